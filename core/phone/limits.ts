import * as os from 'node:os';
import { RateLimiter } from '../session/rate-limit';

/**
 * What one client may take of a laptop's phone service: a few sockets per address (a phone
 * has one; a script holding hundreds stops here), and sign-ups per address and per phone —
 * a few at once, then one every 20 s — so nobody fills the line with made-up students.
 */
export const MAX_PER_ADDRESS = 4;
const JOIN_BURST = 4;
const JOINS_PER_SECOND = 1 / 20;
/**
 * Phones through the relay have no address to tell them apart: their sign-ups share one
 * budget per laptop — enough for a class arriving (20 at once, then one every 3 s), not
 * for a script filling the line.
 */
const RELAY_BURST = 20;
const RELAY_PER_SECOND = 1 / 3;

export interface PhoneLimitOptions {
  maxPerAddress?: number;
  joinBurst?: number;
  joinsPerSecond?: number;
}

export class PhoneLimits {
  private readonly sockets = new Map<string, number>();
  private readonly byAddress: RateLimiter<string>;
  private readonly byPhone: RateLimiter<string>;
  private readonly relayed = new RateLimiter<string>(RELAY_BURST, RELAY_PER_SECOND);

  constructor(private readonly o: PhoneLimitOptions = {}) {
    const burst = o.joinBurst ?? JOIN_BURST;
    const rate = o.joinsPerSecond ?? JOINS_PER_SECOND;
    this.byAddress = new RateLimiter<string>(burst, rate);
    this.byPhone = new RateLimiter<string>(burst, rate);
  }

  /** Whether `address` may open one more phone socket. */
  canOpen(address: string): boolean {
    return (this.sockets.get(address) ?? 0) < (this.o.maxPerAddress ?? MAX_PER_ADDRESS);
  }

  opened(address: string): void {
    this.sockets.set(address, (this.sockets.get(address) ?? 0) + 1);
  }

  closed(address: string): void {
    const n = (this.sockets.get(address) ?? 1) - 1;
    if (n > 0) this.sockets.set(address, n);
    else this.sockets.delete(address);
  }

  /** Take a sign-up for this phone from this address; false (taking nothing) when over. */
  takeJoin(address: string, phone: string, now: number): boolean {
    const [bucket, key] = address.startsWith('relay:')
      ? [this.relayed, 'relay']
      : [this.byAddress, address];
    if (!bucket.peek(key, now) || !this.byPhone.peek(phone, now)) return false;
    bucket.take(key, now);
    this.byPhone.take(phone, now);
    return true;
  }
}

/**
 * Whether a request's `Host` names this laptop: one of its interface addresses (what the QR
 * code and the laptop list carry), `self` or localhost. A page on another name that resolves
 * here (DNS rebinding) is refused, so no foreign site can reach the phone API.
 */
export function isOwnHost(
  host: string | undefined,
  self: string | null,
  extra: readonly string[] = [],
): boolean {
  if (!host) return false;
  const bare = (h: string): string =>
    h
      .replace(/:\d+$/, '')
      .replace(/^\[(.*)\]$/, '$1')
      .toLowerCase();
  const name = bare(host);
  if (name === 'localhost' || extra.includes(name)) return true;
  if (self && bare(self) === name) return true;
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) if (a.address.toLowerCase() === name) return true;
  return false;
}
