import { engineConfig } from '../../core/session/config';
import { SessionCore } from '../../core/session/core';
import type { Effects, TimerName } from '../../core/session/effects';
import { encode } from '../../core/protocol/codec';
import { type DeviceId, asDeviceId } from '../../core/ids';
import { SeededRandom } from '../../core/random';
import { setApp, valuesOf } from '../sim/set-app';
import { simSigner } from '../sim/sim-signer';

/**
 * SessionCore driven directly, in etcd raft's data-driven style: a script of inputs, each
 * followed by `----` and the outputs it must produce (the `Effects` of that input,
 * summarised one per line; frames travel only when a `deliver` says so, timers fire only
 * when a `timer` or `run` says so). `REWRITE=1` writes the outputs the code gives instead.
 *
 * Directives:
 *   copy <name> [k=<n>] [min-holders=<n>] [stability=<ms>]   a new copy (no session yet)
 *   create <name>                  it creates the session (and hosts it)
 *   join <name> via=<other>        it asks <other> to admit it
 *   submit <name> <value>          it sends the set app's `add <value>`
 *   deliver [<n>]                  the next <n> frames in flight (all by default), in order
 *   timer <name> <tick|check|reach|turn|lazy|fanout|storage>   that timer goes off now
 *   advance <ms>                   time passes (no timer fires by itself)
 *   disk-fails <name>              the driver could not write its last step
 *   disk-recovers <name>           a write worked again
 *   crash <name>                   it stops at once; its frames in flight are lost
 *   state <name>                   role, epoch, host, members and the set's values
 */

interface Copy {
  core: SessionCore<ReturnType<typeof setApp.init>>;
  device: DeviceId;
}

interface Frame {
  from: string;
  to: string;
  frame: string;
  type: string;
}

export class CoreScript {
  private now = 1_000;
  private readonly copies = new Map<string, Copy>();
  private readonly byDevice = new Map<string, string>();
  private flight: Frame[] = [];
  private memberNames = new Map<string, string>();

  /** Run one directive; the lines it outputs. */
  run(line: string): string[] {
    const [cmd, ...args] = line.trim().split(/\s+/);
    const named = (i: number): string => {
      const n = args[i];
      if (!n || !this.copies.has(n)) throw new Error(`no copy "${n}"`);
      return n;
    };
    const opt = (key: string): string | undefined =>
      args.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1);
    switch (cmd) {
      case 'copy': {
        const name = args[0]!;
        const device = asDeviceId(`d${name}`.padEnd(16, '0').slice(0, 16));
        const cfg = engineConfig({
          k: Number(opt('k') ?? 1),
          minHolders: Number(opt('min-holders') ?? 0),
          stabilityMs: Number(opt('stability') ?? 15_000),
        });
        const core = new SessionCore({
          deviceId: device,
          signer: simSigner(device),
          name,
          random: new SeededRandom(name.charCodeAt(0)),
          app: setApp,
          cfg,
          stored: { identity: null, doc: null, outbox: [] },
        });
        this.copies.set(name, { core, device });
        this.byDevice.set(device, name);
        return [];
      }
      case 'create': {
        const n = named(0);
        const fx = this.copy(n).core.create(
          this.now,
          '0190a000-0000-7000-8000-000000000001',
          'Lab',
          setApp.init(),
        );
        this.nameMembers();
        return this.effects(n, fx);
      }
      case 'join': {
        const n = named(0);
        const via = opt('via')!;
        const c = this.copy(n);
        return this.effects(
          n,
          c.core.join(this.now, this.copy(via).device, '0190a000-0000-7000-8000-000000000001'),
        );
      }
      case 'submit': {
        const n = named(0);
        const fx = this.copy(n).core.submit(this.now, { op: 'add', value: args[1] });
        return this.effects(n, fx);
      }
      case 'deliver': {
        const count = args[0] ? Number(args[0]) : Infinity;
        const out: string[] = [];
        for (let i = 0; i < count && this.flight.length > 0; i++) {
          const f = this.flight.shift()!;
          out.push(`${f.from} → ${f.to}: ${f.type}`);
          const to = this.copies.get(f.to);
          if (!to) continue;
          const fx = to.core.step(this.now, this.copy(f.from).device, f.frame);
          this.nameMembers();
          out.push(...this.effects(f.to, fx).map((l) => `  ${l}`));
        }
        return out;
      }
      case 'timer': {
        const n = named(0);
        const fx = this.copy(n).core.timer(this.now, args[1] as TimerName);
        this.nameMembers();
        return this.effects(n, fx);
      }
      case 'advance':
        this.now += Number(args[0]);
        return [];
      case 'disk-fails': {
        const n = named(0);
        return this.effects(
          n,
          this.copy(n).core.storageFailed(this.now, 'ENOSPC', 'no space left on device'),
        );
      }
      case 'disk-recovers': {
        const n = named(0);
        return this.effects(n, this.copy(n).core.storageRecovered(this.now));
      }
      case 'crash': {
        const n = named(0);
        this.copy(n).core.stop(this.now);
        this.flight = this.flight.filter((f) => f.from !== n);
        return [];
      }
      case 'state': {
        const n = named(0);
        const c = this.copy(n).core;
        const members = Object.keys(c.replica?.doc.baton?.members ?? {}).map((m) => this.member(m));
        return [
          `role=${c.role} epoch=${c.epoch} host=${c.hostId ? this.member(c.hostId) : '-'} members=${members.join(',') || '-'} values=${valuesOf(c.replica?.doc.app).sort().join(',') || '-'}`,
        ];
      }
      default:
        throw new Error(`unknown directive "${cmd}"`);
    }
  }

  private copy(name: string): Copy {
    const c = this.copies.get(name);
    if (!c) throw new Error(`no copy "${name}"`);
    return c;
  }

  /** Member ids are random: show each as the copy it belongs to. */
  private nameMembers(): void {
    for (const [name, c] of this.copies)
      if (c.core.memberId) this.memberNames.set(c.core.memberId, name);
  }

  private member(id: string): string {
    return this.memberNames.get(id) ?? 'someone';
  }

  /** One input's effects, summarised: frames (queued for `deliver`), events, writes, timers. */
  private effects(name: string, fx: Effects): string[] {
    this.nameMembers();
    const out: string[] = [];
    for (const { to, msg } of fx.send) {
      const dest = this.byDevice.get(to) ?? to;
      // A welcome names the member id the host gave the joiner: show it as that copy.
      const m = msg as unknown as { type: string; memberId?: string };
      if (m.type === 'welcome' && m.memberId) this.memberNames.set(m.memberId, dest);
      const type = describe(msg as unknown as Record<string, unknown>, (id) => this.member(id));
      this.flight.push({ from: name, to: dest, frame: encode(msg as never), type });
      out.push(`send ${dest}: ${type}`);
    }
    for (const e of fx.emit) out.push(`emit ${e.name}${eventDetail(e, (id) => this.member(id))}`);
    const writes = [...new Set(fx.persist.map((w) => `${w.op} ${w.key}`))];
    if (writes.length) out.push(`write ${writes.join(', ')}`);
    const timers = [...new Set(fx.timers.map((t) => t.name))].filter(
      (t) => t !== 'tick' && t !== 'check' && t !== 'reach',
    );
    if (timers.length) out.push(`arm ${timers.join(', ')}`);
    return out;
  }
}

/** A frame as one word and what matters of it. */
function describe(m: Record<string, unknown>, member: (id: string) => string): string {
  const t = String(m.type);
  switch (t) {
    case 'hb':
      return `hb ${String(m.role)} epoch=${String(m.epoch)}`;
    case 'ack': {
      const r = m.result as { ok: boolean; error?: { code: string } };
      return `ack ${r.ok ? 'ok' : r.error!.code}${m.retry ? ' retry' : ''}${m.held ? ` held=${String(m.held)}` : ''}`;
    }
    case 'welcome':
      return `welcome as ${member(String(m.memberId))} host=${member(String(m.hostId))} epoch=${String(m.epoch)}`;
    case 'handover':
      return `handover to=${member(String(m.to))} epoch=${String(m.epoch)}`;
    default:
      return t;
  }
}

function eventDetail(e: Effects['emit'][number], member: (id: string) => string): string {
  const p = e.payload as Record<string, unknown>;
  switch (e.name) {
    case 'role':
      return ` ${String(p.role)} epoch=${String(p.epoch)}`;
    case 'hostChanged':
      return ` to=${member(String(p.to))} epoch=${String(p.epoch)}`;
    case 'ack': {
      const r = p.result as { ok: boolean; error?: { code: string } };
      return ` ${r.ok ? 'ok' : r.error!.code} held=${String(p.held)}`;
    }
    case 'storage':
      return ` ok=${String(p.ok)}`;
    default:
      return '';
  }
}
