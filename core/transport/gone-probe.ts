import * as net from 'node:net';
import type { Address } from './ws-parts';
import type { LinkPath } from './paths';
import type { ReachAnswer } from './transport';

export type ProbeAnswer = 'gone' | 'alive' | 'unknown';

/**
 * Is anything listening at `addr`? Asked when a link to a device closes without a
 * goodbye. A process that died (crashed, killed, its window closed without a clean
 * exit) has its sockets closed by its operating system: the link closes at once and a
 * new connection is refused. A laptop that slept or left the Wi-Fi closes nothing, and
 * a connection to it times out; a copy that is alive accepts. Only a refusal is an
 * answer ('gone'); everything else ('alive' or 'unknown') leaves the judgement to the
 * heartbeats' failure detector.
 */
export async function probeListener(addr: Address, timeoutMs = 1_000): Promise<ProbeAnswer> {
  const answer = await probeReach(addr, timeoutMs);
  return answer === 'refused' ? 'gone' : answer === 'answered' ? 'alive' : 'unknown';
}

/** How long a reachability question waits for the other laptop's operating system. */
export const REACH_TIMEOUT_MS = 300;

/**
 * Does anything answer at `addr`? Asked when a device's heartbeats are already late
 * (session core, `onReach`). Two connections at once, so one lost packet is no verdict:
 * either accepted — the laptop's operating system answered, whatever its copy is doing
 * ('answered'); refused — nothing listens ('refused'); neither heard of within
 * `timeoutMs`, or no route to it — the laptop slept or left the network ('silent').
 */
export function probeReach(addr: Address, timeoutMs = REACH_TIMEOUT_MS): Promise<ReachAnswer> {
  return new Promise((resolve) => {
    const sockets: net.Socket[] = [];
    let pending = 2;
    const done = (answer: ReachAnswer): void => {
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done('silent'), timeoutMs);
    for (let i = 0; i < 2; i++) {
      const socket = net.connect({ host: addr.host, port: addr.port });
      sockets.push(socket);
      socket.once('connect', () => done('answered'));
      socket.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNREFUSED') return done('refused');
        if (--pending === 0) done(UNREACHABLE.has(e.code ?? '') ? 'silent' : 'unknown');
      });
    }
  });
}

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ETIMEDOUT']);

/**
 * A transport's watch for devices that died: when the last link to a device closes, probe
 * it once — its address for a direct link, the relay for a relayed one (NATS answers "no
 * responders" once the device's connection is gone) — and tell the handler if nothing
 * listens there; and tell it at once
 * when a connection the transport opened to the device is refused (a copy that had no
 * link yet to a host that dies learns it from its next heartbeat's connection).
 */
export class GoneWatch<D> {
  private handler: ((device: D) => void) | null = null;
  private readonly probing = new Set<D>();

  constructor(
    /** How to ask whether a device still listens, per the path of its last link; null: no way. */
    private readonly probe: (device: D, path: LinkPath) => Promise<ProbeAnswer> | null,
    private readonly stillLinked: (device: D) => boolean,
  ) {}

  onGone(handler: (device: D) => void): void {
    this.handler = handler;
  }

  /** A connection of ours to `device` was refused: nothing listens there. */
  refused(device: D): void {
    if (this.handler && !this.stillLinked(device)) this.handler(device);
  }

  linkClosed(device: D, path: LinkPath): void {
    if (!this.handler || this.probing.has(device) || this.stillLinked(device)) return;
    const asked = this.probe(device, path);
    if (!asked) return;
    this.probing.add(device);
    void asked.then((answer) => {
      this.probing.delete(device);
      if (answer === 'gone' && !this.stillLinked(device)) this.handler?.(device);
    });
  }
}
