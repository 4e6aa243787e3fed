import type { SessionListing } from '../../core/discovery/listing';
import type { RoomDirectory } from '../../core/engine/room';
import type { DeviceId } from '../../core/ids';
import type { SeededRandom } from '../../core/random';
import type { ManualClock } from './manual-clock';

/**
 * Discovery for simulated rooms, as mDNS behaves: what a copy announces is heard by the
 * others after a random delay (`latencyMs`), never by itself; `hide` keeps a copy's
 * announcements from everyone (two networks that cannot see each other yet).
 */
export class SimDirectory {
  private readonly heard = new Map<DeviceId, { sid: string; sn: string; mid: string }>();
  private readonly listeners = new Map<DeviceId, Set<() => void>>();
  private readonly hidden = new Set<DeviceId>();

  constructor(
    private readonly clock: ManualClock,
    private readonly random: SeededRandom,
    private readonly latencyMs: [number, number] = [20, 250],
  ) {}

  hide(device: DeviceId): void {
    this.hidden.add(device);
    this.notify();
  }

  show(device: DeviceId): void {
    this.hidden.delete(device);
    this.notify();
  }

  port(device: DeviceId): RoomDirectory {
    return {
      announce: (t) => {
        const [lo, hi] = this.latencyMs;
        this.clock.setTimer(lo + this.random.next() * (hi - lo), () => {
          this.heard.set(device, t);
          this.notify();
        });
      },
      sessions: () => this.sessions(device),
      onChange: (fn) => {
        let set = this.listeners.get(device);
        if (!set) this.listeners.set(device, (set = new Set()));
        set.add(fn);
        return () => set.delete(fn);
      },
    };
  }

  private sessions(self: DeviceId): SessionListing[] {
    const by = new Map<string, SessionListing>();
    for (const [device, t] of this.heard) {
      if (device === self || !t.sid || this.hidden.has(device) || this.hidden.has(self)) continue;
      let l = by.get(t.sid);
      if (!l)
        by.set(
          t.sid,
          (l = { sessionId: t.sid, name: t.sn, hostName: '', memberCount: 0, contacts: [] }),
        );
      l.contacts.push(device);
      l.memberCount++;
    }
    return [...by.values()];
  }

  private notify(): void {
    for (const set of this.listeners.values()) for (const fn of [...set]) fn();
  }
}
