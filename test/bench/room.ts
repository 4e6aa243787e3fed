import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type LanPeer, LanRoom } from '../lan/harness';
import { connect as natsConnect } from '@nats-io/transport-node';
import { CampusServer } from '../lan/relay-net';
import { percentile } from './stats';

/**
 * The room-scale bench: how the host's cost per command grows with the room. The host is
 * one process to itself; its first successors one process each (they are killed in turn
 * for the failover figures); the rest of the members share up to 8 processes (members
 * only apply changes). All over real WebSockets, one network namespace per process.
 * Each size runs twice, with the host's fan-out as broadcast (now) and as per-member sync
 * (before), so the ratio compares the two in the same run on the same machine.
 */

const MEMBERS = [path.resolve('test/bench/room-members.ts')];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RoomFigures {
  n: number;
  fanout: string;
  processes: number;
  /** CPU while idle, in cores: the host, the bulk members' processes, the successors'. */
  idleHost: number;
  idleBulk: number;
  idleRest: number;
  /** Idle frames a second (in + out) per member in the shared processes. */
  idleFrames: number;
  hostCpuPerCmd: number;
  memberCpuPerCmd: number;
  /** Every process of the room together (host, successors, shared), ms per command under load. */
  roomCpuPerCmd: number;
  /** The NATS server's CPU while the room idles, in cores (relayed rooms; else null). */
  idleNats: number | null;
  /** A NATS client's round trip to the server while the room idles, p50 (relayed rooms). */
  natsRttP50: number | null;
  /** Messages through the NATS server (in + out) a second while the room idles. */
  idleNatsMsgs: number | null;
  ackP50: number;
  ackP99: number;
  acked: number;
  /** At LIGHT_RATE commands/s, the host pinned to a core of its own. */
  lightP50: number;
  lightP99: number;
  lightAcked: number;
  /** The same with the shared processes at idle priority; null where that can't be undone. */
  idleLightP50: number | null;
  idleLightP99: number | null;
  graceful: number[];
  crash: number[];
  /** The host's laptop shut (asleep, its link down): direct rooms only. */
  vanish: number[];
}

interface Ready {
  members: { device: string; port: number }[];
}

export async function benchRoom(
  n: number,
  fanout: string,
  rate = 40,
  seconds = 10,
  /** Every link through a NATS relay (nats-server in a campus namespace on the bridge). */
  opts: { relay?: boolean } = {},
): Promise<RoomFigures> {
  const successors = Math.min(opts.relay ? 4 : 6, n - 2);
  const bulk = n - 1 - successors;
  const bulkProcs = Math.min(8, bulk);
  const sizes = [1, ...Array<number>(successors).fill(1)];
  for (let b = 0; b < bulkProcs; b++)
    sizes.push(Math.floor(bulk / bulkProcs) + (b < bulk % bulkProcs ? 1 : 0));
  let nats: CampusServer | null = null;
  const room: LanRoom = new LanRoom(
    sizes.length,
    (i) => [
      '--members',
      String(sizes[i]),
      '--fanout',
      fanout,
      ...(nats ? ['--relay', (nats as CampusServer).url] : []),
      ...(process.env.BENCH_LAN_QUIET === '0' ? [] : ['--quiet']),
    ],
    {
      command: ['--import', 'tsx', ...MEMBERS],
    },
  );
  if (opts.relay) nats = new CampusServer(room, 0);
  try {
    await nats?.start(['-m', String(NATS_MONITOR_PORT)]);
    await room.startAll();
    const procs = room.peers;
    // The successors run alone in their process (the light phase's senders, the holder);
    // the rest share processes.
    const senders = procs.slice(1, 1 + successors);
    const shared = procs.slice(1 + successors);
    const roster = procs.flatMap((p) =>
      (p.ready as unknown as Ready).members.map((m) => ({
        device: m.device,
        host: p.address,
        port: m.port,
      })),
    );
    await Promise.all(procs.map((p) => p.call('addresses', { list: roster })));
    const sessionId = `room-${n}-${fanout}`;
    const hostId = (await procs[0]!.call<{ memberId: string }>('create', { sessionId })).memberId;
    const via = roster[0]!.device;
    // Successors first and in order (their member ids come next), then the rest at once.
    const ids: string[] = [hostId];
    for (const p of senders)
      ids.push(
        (await p.call<{ memberIds: string[] }>('join', { sessionId, via }, 60_000)).memberIds[0]!,
      );
    const stopJoinProfile = await profile(procs, `join-${n}`);
    await Promise.all(shared.map((p) => p.call('join', { sessionId, via }, 120_000))).finally(() =>
      stopJoinProfile(),
    );
    await allFollow(procs, 30_000);
    await sleep(2_000);

    // Idle, then the same time under load: the difference is what the commands cost.
    const cpu = async () =>
      Promise.all(
        procs.map((p) =>
          p.call<{ cpuMs: number; members: number; in: number; out: number }>('cpu'),
        ),
      );
    const stopIdleProfile = await profile(procs, `idle-${n}`);
    const n0 = natsCpuMs(nats);
    const m0 = await natsMsgs(nats);
    const c0 = await cpu();
    await sleep(seconds * 1000);
    const c1 = await cpu();
    const n1 = natsCpuMs(nats);
    const m1 = await natsMsgs(nats);
    // The relay's own round trip (a PING to the server and its PONG) with the room idle.
    let natsRttP50: number | null = null;
    if (nats) {
      const nc = await natsConnect({ servers: nats.url });
      const rtt = await natsRoundTrips(nc);
      // BENCH_ROOM_NATS_TAP=1: what the idle room sends through the server, by kind, for 3 s.
      if (process.env.BENCH_ROOM_NATS_TAP === '1') {
        const tapped = await tapNats(nc, 3_000);
        const c = await Promise.all(
          procs.map((p) => p.call<{ relayStreams: number; linksEach: number[] }>('cpu')),
        );
        const links = c.reduce((a, x) => a + x.linksEach.reduce((b, l) => b + l, 0), 0);
        const streams = c.reduce((a, x) => a + x.relayStreams, 0);
        console.error(
          `  ${tapped}; ${links} link ends, ${streams} relay streams; links of each member, by process: ${c.map((x) => x.linksEach.join(',')).join(' | ')}`,
        );
      }
      await nc.close();
      natsRttP50 = percentile(rtt, 50);
    }
    await stopIdleProfile();
    const load = async (perSecond: number, loaders = procs.slice(1)): Promise<number[]> => {
      const per = Math.ceil((perSecond * seconds) / loaders.length);
      const gap = (seconds * 1000) / per;
      // Every loader at its own phase: commands evenly spread, not in bursts.
      const results = await Promise.all(
        loaders.map((p, i) =>
          p.call<{ latencies: number[]; failed: number }>(
            'submit',
            { count: per, spreadMs: seconds * 1000, phaseMs: (gap * i) / loaders.length },
            120_000,
          ),
        ),
      );
      return results.flatMap((r) => r.latencies);
    };
    const stopStressProfile = await profile(procs, `stress-${n}${opts.relay ? '-relay' : ''}`);
    const lat = await load(rate);
    const c2 = await cpu();
    await stopStressProfile();
    const acked = lat.length;
    // Latency where the host has a core to itself: the host pinned to CPU 0, every other
    // process (and this bench) to CPU 1, at a light load (a busy room's real rate), from
    // the laptops that run alone in their process (the successors), as a real laptop does.
    // With `sharedIdle`, the shared processes' members (on no command's path: not the host,
    // not a holder, not a sender) run at idle priority meanwhile, as if each member had a
    // laptop of its own and did not take CPU 1 from the senders and holders.
    const lightLoad = async (sharedIdle: boolean): Promise<number[]> => {
      pin(procs, true);
      if (sharedIdle) prioritise(shared, 'idle');
      try {
        return await load(LIGHT_RATE, senders);
      } finally {
        if (sharedIdle) prioritise(shared, 'normal');
        pin(procs, false);
      }
    };
    const traceDir = process.env.BENCH_ROOM_TRACE_DIR;
    if (traceDir)
      await Promise.all(procs.slice(0, 1 + successors).map((p) => p.call('traceStart')));
    const stopLightProfile = await profile(procs, `light-${n}`);
    const light = await lightLoad(false);
    await stopLightProfile();
    if (traceDir) {
      fs.mkdirSync(traceDir, { recursive: true });
      await Promise.all(
        procs
          .slice(0, 1 + successors)
          .map((p, i) => p.call('traceStop', { file: path.join(traceDir, `${n}-${i}.trace`) })),
      );
    }
    // Again with the shared processes at idle priority, only where it can be raised again
    // afterwards (real root); else null.
    const idleLight = canReprioritise() && shared.length ? await lightLoad(true) : null;
    // The members' processes shared one core meanwhile: let them catch up first.
    await sleep(3_000);
    await allFollow(procs, 30_000);
    const cost = (i: number): number => c2[i]!.cpuMs - c1[i]!.cpuMs - (c1[i]!.cpuMs - c0[i]!.cpuMs);
    const memberCosts = shared.map(
      (_, k) => cost(1 + successors + k) / c2[1 + successors + k]!.members / acked,
    );
    const idle = (i: number): number => (c1[i]!.cpuMs - c0[i]!.cpuMs) / (seconds * 1000);
    const fig: RoomFigures = {
      n,
      fanout,
      processes: procs.length,
      idleHost: idle(0),
      idleBulk: shared.reduce((a, _, k) => a + idle(1 + successors + k), 0),
      idleRest: senders.reduce((a, _, k) => a + idle(1 + k), 0),
      idleFrames:
        shared.reduce((a, _, k) => {
          const [x, y] = [c0[1 + successors + k]!, c1[1 + successors + k]!];
          return a + y.in + y.out - x.in - x.out;
        }, 0) /
        Math.max(1, bulk) /
        seconds,
      hostCpuPerCmd: cost(0) / acked,
      memberCpuPerCmd: memberCosts.length ? percentile(memberCosts, 50) : cost(1) / acked,
      roomCpuPerCmd: procs.reduce((a, _, i) => a + cost(i), 0) / acked,
      idleNats: n0 !== null && n1 !== null ? (n1 - n0) / (seconds * 1000) : null,
      natsRttP50,
      idleNatsMsgs: m0 !== null && m1 !== null ? (m1 - m0) / seconds : null,
      ackP50: percentile(lat, 50),
      ackP99: percentile(lat, 99),
      acked,
      lightP50: percentile(light, 50),
      lightP99: percentile(light, 99),
      lightAcked: light.length,
      idleLightP50: idleLight ? percentile(idleLight, 50) : null,
      idleLightP99: idleLight ? percentile(idleLight, 99) : null,
      graceful: [],
      crash: [],
      vanish: [],
    };

    // Failovers: the host leaves (SIGTERM) twice, then is killed (SIGKILL) twice, then (direct
    // rooms) its laptop shuts twice (SIGSTOP and its link down); each time until every
    // remaining member follows one new host and a command is acked through it.
    const plan = (['SIGTERM', 'SIGTERM', 'SIGKILL', 'SIGKILL', 'VANISH', 'VANISH'] as const).slice(
      0,
      successors,
    );
    for (const [k, signal] of plan.entries()) {
      // Each failover from a settled room: the one before it keeps every member busy for a
      // moment (following, catching up), and at 100 members a kill 0.4 s after a handover
      // took 1–7 s instead of 0.25–0.6.
      if (k > 0) await sleep(FAILOVER_GAP_MS);
      if (process.env.BENCH_LAN_LOGS === '1') console.error(`  room ${n}: ${signal} to ${ids[k]}`);
      // The first crash failover, CPU-profiled on request.
      const stopProfile = k === 2 ? await profile(procs, `failover-${n}`, k + 1) : null;
      const t0 = performance.now();
      if (signal === 'VANISH') {
        procs[k]!.kill('SIGSTOP');
        room.setLink(procs[k]!.index, false);
      } else procs[k]!.kill(signal);
      await allFollow(
        procs.filter((p) => p.running && p !== procs[k]),
        15_000,
        ids[k],
      );
      const followed = performance.now() - t0;
      const rest = procs.filter((p) => p.running && p !== procs[k]);
      await rest[rest.length - 1]!.call('submit', { count: 1 }, 15_000);
      const ms = performance.now() - t0;
      (signal === 'SIGTERM' ? fig.graceful : signal === 'SIGKILL' ? fig.crash : fig.vanish).push(
        ms,
      );
      if (signal === 'VANISH') {
        procs[k]!.kill('SIGKILL');
        room.setLink(procs[k]!.index, true);
      }
      await stopProfile?.();
      if (process.env.BENCH_LAN_LOGS === '1')
        console.error(
          `  room ${n}: ${signal}: ${ms.toFixed(0)} ms (all follow at ${followed.toFixed(0)})`,
        );
      await procs[k]!.exited(10_000).catch(() => procs[k]!.kill('SIGKILL'));
    }
    return fig;
  } catch (e) {
    if (process.env.BENCH_LAN_LOGS === '1') console.error(room.logs());
    throw e;
  } finally {
    const dir = process.env.BENCH_ROOM_LOG_DIR;
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      for (const p of room.peers)
        fs.writeFileSync(path.join(dir, `${n}-${fanout}-laptop-${p.index}.log`), p.stderr);
      if (nats) fs.writeFileSync(path.join(dir, `${n}-${fanout}-nats.log`), nats.log);
    }
    await room.close();
    await nats?.close();
  }
}

/**
 * With BENCH_ROOM_PROFILE_DIR set, CPU-profile the processes from index `from` on until the
 * returned function is called; it writes `<name>-<index>.cpuprofile` there. Else a no-op.
 */
async function profile(procs: LanPeer[], name: string, from = 0): Promise<() => Promise<void>> {
  const dir = process.env.BENCH_ROOM_PROFILE_DIR;
  if (!dir) return async () => {};
  const which = procs.slice(from);
  await Promise.all(which.map((p) => p.call('profileStart')));
  return async () => {
    fs.mkdirSync(dir, { recursive: true });
    await Promise.all(
      which.map((p, i) =>
        p.call('profileStop', { file: path.join(dir, `${name}-${from + i}.cpuprofile`) }),
      ),
    );
  };
}

/** `count` round trips to the NATS server (a PING and its PONG each), ms. */
export async function natsRoundTrips(
  nc: Awaited<ReturnType<typeof natsConnect>>,
  count = 100,
): Promise<number[]> {
  const rtt: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await nc.flush();
    rtt.push(performance.now() - t0);
  }
  return rtt;
}

/** Every message through the server for `ms`, counted by kind (subject shape, first byte). */
async function tapNats(nc: Awaited<ReturnType<typeof natsConnect>>, ms: number): Promise<string> {
  const kinds = new Map<string, number>();
  const sub = nc.subscribe('>', {
    callback: (_e, m) => {
      // baton.<version>.<kind>.…: s a stream, d a dial or probe, p presence, ph/pc a phone
      const parts = m.subject.split('.');
      let k = parts[2] ?? m.subject;
      if (k === 's') k = `stream ${['data', 'end', 'keepalive'][m.data[0]!] ?? 'junk'}`;
      if (k === 'd') k = m.string() === 'probe' ? 'probe' : 'dial';
      if (m.subject.startsWith('_INBOX')) k = 'reply';
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    },
  });
  await sleep(ms);
  sub.unsubscribe();
  return [...kinds]
    .sort((a, b) => b[1] - a[1])
    .map(([k, c]) => `${k} ${((c * 1000) / ms).toFixed(0)}/s`)
    .join(', ');
}

/** The NATS server's monitoring port (its /varz counts messages). */
const NATS_MONITOR_PORT = 8222;

/** Messages in + out through the NATS server so far (its /varz), or null without one. */
async function natsMsgs(nats: CampusServer | null): Promise<number | null> {
  if (!nats) return null;
  try {
    const r = await fetch(`http://${nats.address}:${NATS_MONITOR_PORT}/varz`);
    const v = (await r.json()) as { in_msgs: number; out_msgs: number };
    return v.in_msgs + v.out_msgs;
  } catch {
    return null;
  }
}

/** The NATS server's CPU time so far (user + system, from /proc), or null without one. */
function natsCpuMs(nats: CampusServer | null): number | null {
  const pid = nats?.proc?.pid;
  if (!pid) return null;
  try {
    // After the command's closing parenthesis: state is field 3, utime 14, stime 15.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Time between two failovers of the room bench (BENCH_ROOM_FAILOVER_GAP_MS, default 2 s). */
const FAILOVER_GAP_MS = Number(process.env.BENCH_ROOM_FAILOVER_GAP_MS ?? 2_000);

/** Commands per second for the latency figure: a busy room's rate, not a stress test. */
export const LIGHT_RATE = 4;

/** A core for the host: its process pinned to CPU 0, everything else (this bench too) to CPU 1; or undone. */
function pin(procs: LanPeer[], on: boolean): void {
  const set = (pid: number | undefined, cpus: string): void => {
    if (pid) spawnSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
  };
  procs.forEach((p, i) => set(p.proc?.pid, on ? (i === 0 ? '0' : '1') : '0,1'));
  set(process.pid, on ? '1' : '0,1');
}

let reprioritise: boolean | undefined;

/** Whether this process may move a process to idle priority and back (real root); probed once. */
function canReprioritise(): boolean {
  return (reprioritise ??= probeReprioritise());
}

function probeReprioritise(): boolean {
  const probe = spawn('sleep', ['5'], { stdio: 'ignore' });
  try {
    const pid = String(probe.pid);
    return (
      spawnSync('chrt', ['-i', '-p', '0', pid]).status === 0 &&
      spawnSync('chrt', ['-o', '-p', '0', pid]).status === 0
    );
  } finally {
    probe.kill();
  }
}

/** Every thread of these processes to idle priority, or back to normal; throws if it can't. */
function prioritise(procs: LanPeer[], to: 'idle' | 'normal'): void {
  for (const p of procs) {
    const pid = p.proc?.pid;
    if (!pid) continue;
    const r = spawnSync('chrt', ['-a', to === 'idle' ? '-i' : '-o', '-p', '0', String(pid)]);
    if (r.status !== 0) throw new Error(`chrt ${to} ${pid}: ${String(r.stderr).trim()}`);
  }
}

/** Until every member of `procs` follows one host (other than `not`, the one just stopped). */
async function allFollow(procs: LanPeer[], timeoutMs: number, not?: string): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const all = (
      await Promise.all(procs.map((p) => p.call<{ hosts: (string | null)[] }>('hosts')))
    ).flatMap((h) => h.hosts);
    const first = all[0] ?? null;
    if (first !== null && first !== not && all.every((h) => h === first)) return;
    if (process.env.BENCH_ROOM_TRACE_FOLLOW === '1') {
      const seen = new Map<string, number>();
      for (const h of all)
        seen.set(h?.slice(-6) ?? 'none', (seen.get(h?.slice(-6) ?? 'none') ?? 0) + 1);
      console.error(
        `    ${(performance.now() - t0).toFixed(0)} ms: ${[...seen].map(([h, c]) => `${h}×${c}`).join(' ')}`,
      );
    }
    if (performance.now() - t0 > timeoutMs) {
      const seen = new Map<string, number>();
      for (const h of all)
        seen.set(h?.slice(-6) ?? 'none', (seen.get(h?.slice(-6) ?? 'none') ?? 0) + 1);
      const view = [...seen].map(([h, c]) => `${h}×${c}`).join(' ');
      throw new Error(
        `no agreed host in ${timeoutMs} ms${not ? ` after ${not.slice(-6)}` : ''} (${view})`,
      );
    }
    await sleep(20);
  }
}
