import * as fs from 'node:fs';
import * as path from 'node:path';
import { percentile } from './stats';

// The ack path hop by hop, from the traces the room bench writes with BENCH_ROOM_TRACE_DIR
// (`<n>-<i>.trace`: process 0 the host, 1 its first successor, the holder with K = 1):
//   node --import tsx test/bench/ack-trace.ts <dir> [members]
// For each command a successor sent: its wire time to the host, the host's time to send the
// change to the holder, that frame's wire time, the holder's time to report it held, the
// report's wire time, the host's time to ack, and the ack's wire time. A "wire" time is
// mostly the receiving process waiting for a core.

type Event = { t: number; proc: number; dir: string; kind: string; peer: string };

const [dir, members = '100'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: ack-trace.ts <trace dir> [members]');
  process.exit(2);
}
const device = new Map<number, string>();
const events: Event[] = [];
for (const f of fs.readdirSync(dir).filter((f) => f.startsWith(`${members}-`))) {
  const proc = Number(/-(\d+)\.trace$/.exec(f)?.[1]);
  const [head, ...lines] = fs.readFileSync(path.join(dir, f), 'utf8').split('\n');
  device.set(proc, head!.split(' ')[1]!);
  for (const l of lines) {
    const [t, , d, kind, peer] = l.split(' ');
    if (t && d && kind && peer) events.push({ t: Number(t), proc, dir: d, kind, peer });
  }
}
events.sort((a, b) => a.t - b.t);
const host = device.get(0)!;
const holder = device.get(1)!;
const hops = [
  'cmd wire',
  'host → change',
  'change wire',
  'holder → have',
  'have wire',
  'host → ack',
  'ack wire',
];
const rows: number[][] = [];
events.forEach((e, i) => {
  if (e.dir !== 'out' || e.kind !== 'cmd' || e.proc === 0) return;
  const me = device.get(e.proc)!;
  const want: [number, string, string, string][] = [
    [0, 'in', 'cmd', me],
    [0, 'out', 'changes', holder],
    [1, 'in', 'changes', host],
    [1, 'out', 'have', host],
    [0, 'in', 'have', holder],
    [0, 'out', 'ack', me],
    [e.proc, 'in', 'ack', host],
  ];
  const times = [e.t];
  let j = i + 1;
  for (const [proc, d, kind, peer] of want) {
    while (j < events.length) {
      const x = events[j]!;
      if (x.proc === proc && x.dir === d && x.kind === kind && x.peer === peer) break;
      j++;
    }
    if (j >= events.length) return;
    times.push(events[j]!.t);
  }
  rows.push(times.slice(1).map((t, k) => t - times[k]!));
});
console.log(`${rows.length} commands traced`);
hops.forEach((h, k) => {
  const v = rows.map((r) => r[k]!);
  if (v.length)
    console.log(
      `${h.padEnd(16)} p50 ${percentile(v, 50).toFixed(1)} ms, p90 ${percentile(v, 90).toFixed(1)} ms`,
    );
});
const total = rows.map((r) => r.reduce((a, b) => a + b, 0));
if (total.length) console.log(`${'total'.padEnd(16)} p50 ${percentile(total, 50).toFixed(1)} ms`);
