import assert from 'node:assert/strict';
import { type LanPeer, LanRoom } from './harness';

interface RoleData {
  role: string;
  hostId: string | null;
  epoch: number;
}

/**
 * A LAN room with the session made and joined, plus the same checks as the sim suite:
 * at most one host per epoch (from every laptop's role events), and at the end every
 * acknowledged entry present exactly once on every laptop, all laptops agreeing.
 */
export class Classroom {
  readonly room: LanRoom;
  sessionId = '';
  /** memberId per laptop index. */
  readonly memberIds: string[] = [];
  /** epoch → member that claimed to host it. */
  private readonly epochHost = new Map<number, string>();
  readonly violations: string[] = [];
  /** Entry ids acknowledged to a student. */
  readonly acked = new Set<string>();

  constructor(n: number, args: (i: number) => string[] = () => []) {
    this.room = new LanRoom(n, args);
  }

  peer(i: number): LanPeer {
    return this.room.peer(i);
  }

  /**
   * Start every laptop; laptop 0 creates the session, the others find it and join — over
   * mDNS, or, for the laptops `byCode` names, with laptop 0's join code through the relay.
   */
  async setUp(byCode: (i: number) => boolean = () => false): Promise<this> {
    await this.room.startAll();
    const { sessionId } = await this.peer(0).call<{ sessionId: string }>('session.create', {
      name: 'CPSC 416 office hours',
      staffPasscode: 'letmein-please',
    });
    this.sessionId = sessionId;
    const code = this.room.peers.some((p) => p.index > 0 && byCode(p.index))
      ? (await this.peer(0).call<{ code: string }>('session.joinCode')).code
      : '';
    // Students arrive in small groups, as in a room (at most 5 joining at the same instant).
    const joiners = this.room.peers.slice(1);
    for (let k = 0; k < joiners.length; k += 5) {
      await Promise.all(
        joiners.slice(k, k + 5).map(async (p) => {
          if (byCode(p.index)) return p.call('session.joinWithCode', { code });
          await this.waitForSession(p);
          await p.call('session.join', { sessionId });
        }),
      );
    }
    for (const p of this.room.peers) {
      const st = await p.call<{ memberId: string }>('status');
      this.memberIds[p.index] = st.memberId;
    }
    return this;
  }

  async waitForSession(p: LanPeer, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const list = await p.call<{ sessionId: string }[]>('sessions.list');
      if (list.some((s) => s.sessionId === this.sessionId)) return;
      await sleep(100);
    }
    assert.fail(`laptop ${p.index} never saw the session\n${this.room.logs()}`);
  }

  /** Scan every laptop's role events (call before asserting). */
  scanRoles(): void {
    for (const p of [...this.room.retired, ...this.room.peers])
      for (const e of p.events)
        if (e.event === 'role') {
          const d = e.data as RoleData;
          if (d.role !== 'host' || !d.hostId) continue;
          const prev = this.epochHost.get(d.epoch);
          if (prev === undefined) this.epochHost.set(d.epoch, d.hostId);
          else if (
            prev !== d.hostId &&
            !this.violations.some((v) => v.startsWith(`epoch ${d.epoch} `))
          )
            this.violations.push(`epoch ${d.epoch} hosted by ${prev} and ${d.hostId}`);
        }
  }

  /** A student on laptop i joins the queue; the acked entry is recorded for the final check. */
  async studentJoins(i: number, timeoutMs = 20_000): Promise<string> {
    const { entryId } = await this.peer(i).call<{ entryId: string }>(
      'queue.join',
      { name: `Student ${i}`, topic: 'recursion', location: `table ${i}` },
      timeoutMs,
    );
    this.acked.add(entryId);
    return entryId;
  }

  /** Laptop indices in successorship order (the host first), as a running laptop sees it. */
  async order(): Promise<number[]> {
    const st = await this.running()[0]!.call<{ members: { memberId: string }[] }>('status');
    return st.members.map((m) => this.memberIds.indexOf(m.memberId));
  }

  running(): LanPeer[] {
    return this.room.peers.filter((p) => p.running);
  }

  /** Wait until every running laptop follows one host (of one epoch) and reaches it. */
  async agreedHost(
    timeoutMs = 10_000,
    /** A laptop to leave out (a paused one cannot answer). */
    skip = -1,
  ): Promise<{ hostIndex: number; epoch: number; ms: number }> {
    const t0 = Date.now();
    let last = '';
    while (Date.now() - t0 < timeoutMs) {
      const st = await Promise.all(
        this.running()
          .filter((p) => p.index !== skip)
          .map((p) =>
            p.call<{
              role: string;
              hostId: string | null;
              epoch: number;
              connected: boolean;
              memberId: string;
            }>('status'),
          ),
      );
      const hosts = st.filter((s) => s.role === 'host');
      last = JSON.stringify(st.map((s) => [s.role, s.hostId?.slice(-6), s.epoch, s.connected]));
      if (
        hosts.length === 1 &&
        st.every(
          (s) => s.hostId === hosts[0]!.memberId && s.epoch === hosts[0]!.epoch && s.connected,
        )
      ) {
        return {
          hostIndex: this.memberIds.indexOf(hosts[0]!.memberId),
          epoch: hosts[0]!.epoch,
          ms: Date.now() - t0,
        };
      }
      await sleep(100);
    }
    assert.fail(`no agreed host within ${timeoutMs} ms: ${last}\n${this.room.logs()}`);
  }

  /** The end checks: one host per epoch ever; every laptop shows the same queue; lost 0, duplicates 0. */
  async assertHealthy(timeoutMs = 15_000): Promise<void> {
    await this.agreedHost(timeoutMs);
    this.scanRoles();
    assert.deepEqual(this.violations, [], 'at most one host per epoch');
    const t0 = Date.now();
    let views: string[] = [];
    while (Date.now() - t0 < timeoutMs) {
      const qs = await Promise.all(
        this.running().map((p) =>
          p.call<{
            entries: { entryId: string; status: string }[];
            finished: { entryId: string; status: string }[];
          }>('queue.get'),
        ),
      );
      views = qs.map((q) =>
        JSON.stringify([...q.entries, ...q.finished].map((e) => [e.entryId, e.status]).sort()),
      );
      if (views.every((v) => v === views[0])) {
        const ids = (JSON.parse(views[0]!) as [string, string][]).map(([id]) => id);
        const lost = [...this.acked].filter((id) => !ids.includes(id));
        const dups = ids.filter((id, k) => ids.indexOf(id) !== k);
        assert.deepEqual(lost, [], 'lost 0');
        assert.deepEqual(dups, [], 'duplicates 0');
        return;
      }
      await sleep(100);
    }
    assert.fail(`laptops disagree on the queue: ${views.join('\n')}`);
  }

  close(): Promise<void> {
    return this.room.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
