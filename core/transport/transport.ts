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
}
