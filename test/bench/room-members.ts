import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Command } from 'commander';
import {
  DeviceKey,
  MemoryStore,
  type Peer,
  type Transport,
  WsTransport,
  asDeviceId,
  cryptoRandom,
  openSession,
  systemClock,
} from '../../core/engine/index';
import { NatsRelay } from '../../core/relay/relay';
import type { EngineConfig } from '../../core/session/config';
import { type SetState, setApp } from '../sim/set-app';

// One process of the room-scale bench: M engine peers (the test set app), each with its own
// device key and WebSocket port on this laptop's address, speaking JSON lines on stdio
// like `baton peer`. Members only apply changes, so many share a process (and 2 cores)
// while the host runs alone in its own.

console.log = (...a: unknown[]) => console.error(...a);

const o = new Command()
  .requiredOption('--data-dir <d>')
  .requiredOption('--name <n>')
  .requiredOption('--interface <a>')
  .option('--stdio')
  .option('--quiet')
  .option('--members <m>', 'peers in this process', '1')
  .option('--fanout <mode>', 'broadcast | sync', 'broadcast')
  .option('--relay <url>', 'every link through this NATS relay (relay only)')
  .parse()
  .opts<{
    dataDir: string;
    name: string;
    interface: string;
    members: string;
    fanout: string;
    quiet?: boolean;
    relay?: string;
  }>();

const out = (m: unknown): void => void process.stdout.write(`${JSON.stringify(m)}\n`);
const config: Partial<EngineConfig> = {
  fanout: o.fanout as EngineConfig['fanout'],
  stabilityMs: 600_000,
};

// Bench diagnostics: with tracing on, every cmd / changes / have / ack frame in or out,
// with the time (ms since the epoch, sub-ms), for a latency breakdown of the ack path.
const trace: (string | number)[][] = [];
const frames = { in: 0, out: 0 };
let tracing = false;
const now = (): number => performance.timeOrigin + performance.now();
const kindOf = (f: string): string | null => {
  const m = /"type":"(cmd|changes|have|ack|sync|hb)"/.exec(f.slice(0, 40));
  return m ? m[1]! : null;
};
function traced(t: WsTransport, member: number): Transport {
  return {
    send(to, frame) {
      frames.out++;
      const k = tracing && kindOf(frame);
      if (k) trace.push([now(), member, 'out', k, to.slice(0, 8)]);
      t.send(to, frame);
    },
    onFrame(h) {
      t.onFrame((from, frame) => {
        frames.in++;
        const k = tracing && kindOf(frame);
        if (k) trace.push([now(), member, 'in', k, from.slice(0, 8)]);
        h(from, frame);
      });
    },
    onGone: (h) => t.onGone(h),
    reach: (d, answer) => t.reach(d, answer),
  };
}

interface Member {
  peer: Peer<SetState>;
  transport: WsTransport;
  device: string;
  port: number;
}
const members: Member[] = [];
const relays: NatsRelay[] = [];
for (let i = 0; i < Number(o.members); i++) {
  const key = DeviceKey.loadOrCreate(path.join(o.dataDir, `m${i}`));
  const log = o.quiet
    ? undefined
    : (l: string) => console.error(`${new Date().toISOString()} m${i} ${l}`);
  const transport = new WsTransport({ key, port: 0, host: o.interface, ...(log ? { log } : {}) });
  const port = await transport.start();
  if (o.relay) {
    const relay = new NatsRelay({
      deviceId: key.deviceId,
      onAccept: (stream) => transport.acceptRelayed(stream),
      ...(log ? { log } : {}),
    });
    await relay.connect({ url: o.relay, relayOnly: true });
    transport.setRelay(relay);
    relays.push(relay);
  }
  const peer = openSession(
    setApp,
    {
      deviceId: key.deviceId,
      signer: key.signer(),
      name: `${o.name} #${i}`,
      clock: systemClock,
      random: cryptoRandom,
      transport: traced(transport, i),
      store: new MemoryStore(),
      ...(log ? { log } : {}),
    },
    config,
  );
  peer.events.on('hostChanged', (c) =>
    out({ event: 'hostChanged', data: { member: i, to: c.to } }),
  );
  members.push({ peer, transport, device: key.deviceId, port });
}

let counter = 0;
let profiler: inspector.Session | null = null;
const post = (method: string): Promise<unknown> =>
  new Promise((resolve, reject) => profiler!.post(method, (e, r) => (e ? reject(e) : resolve(r))));
const methods: Record<string, (p: Record<string, unknown>) => unknown> = {
  create: (p) => {
    members[0]!.peer.createSession(String(p.sessionId), 'room');
    return { memberId: members[0]!.peer.memberId };
  },
  addresses: (p) => {
    for (const a of p.list as { device: string; host: string; port: number }[])
      for (const m of members)
        m.transport.setAddress(asDeviceId(a.device), { host: a.host, port: a.port });
    return {};
  },
  join: async (p) => {
    for (const m of members) await m.peer.join(asDeviceId(String(p.via)), String(p.sessionId));
    return { memberIds: members.map((m) => m.peer.memberId) };
  },
  /** `count` commands from this process's members, spread over `spreadMs` from `phaseMs` on: each one's ack latency. */
  submit: async (p) => {
    const count = Number(p.count);
    const spread = Number(p.spreadMs ?? 0);
    const phase = Number(p.phaseMs ?? 0);
    const lat: number[] = [];
    let failed = 0;
    await Promise.all(
      Array.from({ length: count }, async (_, k) => {
        await new Promise((r) => setTimeout(r, phase + (spread * k) / Math.max(1, count)));
        const m = members[k % members.length]!;
        const t0 = performance.now();
        const r = await m.peer.submit({ op: 'add', value: `${o.name}-${counter++}` }).done;
        if (r.ok) lat.push(performance.now() - t0);
        else failed++;
      }),
    );
    return { latencies: lat, failed };
  },
  /** Bench diagnostics: CPU-profile this process until `profileStop` (to `file`). */
  profileStart: async () => {
    profiler ??= new inspector.Session();
    profiler.connect();
    await post('Profiler.enable');
    await post('Profiler.start');
    return {};
  },
  profileStop: async (p) => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    fs.writeFileSync(String(p.file), JSON.stringify(profile));
    profiler?.disconnect();
    return {};
  },
  traceStart: () => {
    trace.length = 0;
    tracing = true;
    return { device: members[0]!.device.slice(0, 8) };
  },
  traceStop: (p) => {
    tracing = false;
    fs.writeFileSync(
      String(p.file),
      [`device ${members[0]!.device.slice(0, 8)}`, ...trace.map((r) => r.join(' '))].join('\n'),
    );
    return {};
  },
  cpu: () => {
    const u = process.cpuUsage();
    return {
      cpuMs: (u.user + u.system) / 1000,
      members: members.length,
      ...frames,
      relayStreams: relays.reduce((a, r) => a + r.streamCount, 0),
      linksEach: members.map((m) => m.transport.linkInfo().length),
    };
  },
  hosts: () => ({ hosts: members.map((m) => (m.peer.isRunning ? m.peer.hostId : null)) }),
};

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const req = JSON.parse(line) as { id: number; method: string; params?: Record<string, unknown> };
  Promise.resolve()
    .then(() => methods[req.method]!(req.params ?? {}))
    .then(
      (result) => out({ id: req.id, result }),
      (e: Error) => out({ id: req.id, error: { code: 'failed', message: e.message } }),
    );
});
const leave = async (): Promise<void> => {
  await Promise.all(members.map((m) => m.peer.leave()));
  await Promise.all(members.map((m) => m.transport.close()));
  await Promise.all(relays.map((r) => r.close()));
  process.exit(0);
};
process.on('SIGTERM', () => void leave());
rl.on('close', () => void leave());
out({
  event: 'ready',
  data: {
    port: members[0]!.port,
    deviceId: members[0]!.device,
    members: members.map((m) => ({ device: m.device, port: m.port })),
  },
});
