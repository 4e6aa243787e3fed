/**
 * Epoch numbers. A new host picks the next term above every epoch it has seen and
 * adds its own slot (its index in the successorship order), so two hosts elected
 * at once in two halves of a partition never share an epoch number: "at most one
 * host per epoch" holds by construction, and "the newer epoch wins" still decides
 * when they meet. Read an epoch as term·1000 + slot.
 */
export const EPOCH_SLOTS = 1000;

export function nextEpoch(maxSeen: number, slot: number): number {
  return (Math.floor(maxSeen / EPOCH_SLOTS) + 1) * EPOCH_SLOTS + (slot % EPOCH_SLOTS);
}

/** The term part of an epoch, for display. */
export function termOf(epoch: number): number {
  return Math.floor(epoch / EPOCH_SLOTS);
}

/**
 * How far past its own epoch a copy lets a member's frame move it: a thousand terms
 * (failovers, failbacks, handovers), far more than any real session sees between two
 * frames, yet an epoch can then never run away (a member claiming 2^53 is refused; one
 * walking up a step at a time would need days of heartbeats to reach MAX_EPOCH).
 */
export const MAX_EPOCH_STEP = 1000 * EPOCH_SLOTS;
