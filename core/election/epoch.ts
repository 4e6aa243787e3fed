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
