import type { DeviceId } from '../ids';

/**
 * Transport port: best-effort frames between copies, addressed by device id.
 * The WebSocket transport and the simulator's in-memory network both implement it;
 * either may lose, delay or reorder frames, and the engine copes.
 */
export interface Transport {
  send(to: DeviceId, frame: string): void;
  /** Install the single handler for incoming frames. */
  onFrame(handler: (from: DeviceId, frame: string) => void): void;
  /**
   * Optional: install the handler told when a device is known to be gone (its link closed
   * and nothing listens at its address any more: the process died). A hint that speeds up
   * failure detection; silence (sleep, out of range) is still the heartbeats' to judge.
   */
  onGone?(handler: (device: DeviceId) => void): void;
  /**
   * Optional: does anything answer at `device`'s address? 'answered' — its laptop's
   * operating system did (the copy may be stalled, never gone); 'refused' — nothing
   * listens (its process died); 'silent' — no answer within a short timeout: the laptop
   * slept or left the network. 'unknown' when it cannot tell (no direct address: a relayed
   * link). Asked only when the heartbeats already say the device is late; `answer` is
   * called once, when the answer is known.
   */
  reach?(device: DeviceId, answer: (a: ReachAnswer) => void): void;
}

export type ReachAnswer = 'answered' | 'refused' | 'silent' | 'unknown';
