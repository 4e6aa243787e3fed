import type { StreamWire } from '../../core/relay/stream';

/**
 * NATS subjects in memory, for relay streams in unit tests: each message goes to its
 * subject's subscriber on a microtask, text as its UTF-8 bytes (as NATS sends it). `tap`
 * sees every message first; returning false loses it.
 */
export function memoryWire(
  tap?: (subject: string, bytes: Uint8Array) => boolean | void,
): StreamWire {
  const subs = new Map<string, (d: Uint8Array) => void>();
  return {
    publish: (subject, d) => {
      const bytes = typeof d === 'string' ? new TextEncoder().encode(d) : d;
      if (tap?.(subject, bytes) === false) return;
      queueMicrotask(() => subs.get(subject)?.(bytes));
    },
    subscribe: (subject, on) => {
      subs.set(subject, on);
      return { unsubscribe: () => subs.delete(subject) };
    },
  };
}
