import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Automerge from '@automerge/automerge';
import { MAX_EPOCH_STEP } from '../../core/election/epoch';
import type { DeviceId } from '../../core/ids';
import { PROTOCOL_VERSION } from '../../core/protocol/version';
import { replicaBytes, suspendPeer } from '../../core/engine/peer-internals';
import { SimCluster } from './cluster';
import { assertHealthy } from './assert-cluster';
import type { SetState } from './set-app';
import type { SessionDoc } from '../../core/replication/document';
import { simSigner } from './sim-signer';
import { certText } from '../../core/session/certs';

describe('a flooding member', () => {
  it('past its burst its commands wait at its own copy (delayed: rate-limited) and are taken at its rate; the others keep being served, nothing is lost', async () => {
    const c = new SimCluster(4, {
      seed: 21,
      config: { commandBurst: 50, commandsPerSecond: 20 },
    }).start();
    c.run(2_000);
    const delayed: string[] = [];
    c.peer(3).events.on('delayed', (d) => delayed.push(d.code));
    let acked = 0;
    const flood = Array.from({ length: 400 }, (_, i) => {
      c.submitted.add(`flood-${i}`);
      const { done } = c.peer(3).submit({ op: 'add', value: `flood-${i}` });
      return done.then((r) => {
        assert.ok(r.ok, JSON.stringify(r));
        c.acked.add(`flood-${i}`);
        acked++;
      });
    });
    const honest = [c.submit(1), c.submit(2), c.submit(1)];
    await c.settleAll(honest, 2_000);
    assert.deepEqual(await Promise.all(honest), [true, true, true], c.report());
    // Within 5 s: the burst and about 20/s after it, no more.
    c.run(3_000);
    await c.settle();
    assert.ok(acked >= 50 && acked <= 50 + 20 * 6, `taken ${acked} of 400 in 5 s`);
    assert.ok(delayed.length > 0 && delayed.every((x) => x === 'rate-limited'), delayed.join());
    // And every one of them in the end: delayed, never refused, never lost.
    await c.settleAll(flood, 30_000);
    assert.equal(acked, 400);
    await assertHealthy(c);
  });
});

describe('a member that speaks for others', () => {
  it("forged heartbeats, handovers, leaves and heads in other members' names are dropped; the room keeps its host", async () => {
    const c = new SimCluster(4, { seed: 33 }).start();
    c.run(3_000);
    const host = c.agreedHost();
    assert.ok(host, c.report());
    const epoch = host.peer.epoch;
    const hostId = host.peer.memberId!;
    const mallory = c.nodes[3]!;
    const victim = c.peer(1).memberId!;
    const dropped: string[] = [];
    for (const n of c.nodes)
      n.peer.events.on('dropped', (d) => {
        if (d.code === 'impostor') dropped.push(`n${n.index}`);
      });
    // Mallory is a member in good standing, but writes frames in other members' names.
    const wire = c.net.endpoint(mallory.device);
    const forged = [
      // "The host hands over to Mallory and leaves."
      { type: 'handover', from: hostId, epoch, to: mallory.peer.memberId, leaving: true },
      // "The host, at a later epoch, says Mallory hosts."
      {
        type: 'hb',
        from: hostId,
        epoch: epoch + 10,
        role: 'host',
        hostId: mallory.peer.memberId,
        seq: 1,
        echo: -1,
        hostAgoMs: 0,
        eligible: true,
        heads: [],
      },
      // "Laptop 1 leaves."
      { type: 'leave', from: victim, epoch },
      // "Laptop 1 holds everything" (would release acks early).
      { type: 'have', from: victim, epoch, heads: ['f'.repeat(64)] },
    ];
    for (let round = 0; round < 5; round++) {
      for (const n of c.nodes)
        if (n !== mallory) for (const f of forged) wire.send(n.device, JSON.stringify(f));
      c.run(200);
    }
    c.run(2_000);
    assert.equal(c.agreedHost()?.peer.memberId, hostId, c.report());
    assert.equal(c.agreedHost()?.peer.epoch, epoch);
    assert.ok(c.peer(0).isLive(victim), 'laptop 1 is still counted live');
    assert.ok(dropped.length >= 3 * 4, `dropped: ${dropped.join()}`);
    // And the room works: commands from everyone are acked.
    const done = [c.submit(0), c.submit(1), c.submit(2), c.submit(3)];
    await c.settleAll(done, 3_000);
    assert.deepEqual(await Promise.all(done), [true, true, true, true]);
    await assertHealthy(c);
  });
});

/** A change to the room's document as a forger would write it: the room's members gone, a value of its own. */
function forgedChanges(c: SimCluster): string[] {
  const doc = c.agreedHost()!.peer.doc!;
  const evil = Automerge.clone(doc, { actor: 'e'.repeat(32) });
  const after = Automerge.change(evil, (d) => {
    for (const id of Object.keys(d.baton.members)) delete d.baton.members[id];
    d.app.items['forged'] = { forged: 'forged' };
  });
  return Automerge.getChanges(doc, after).map((ch) => Buffer.from(ch).toString('base64'));
}

const STRANGER = 'f00d'.repeat(8) as DeviceId;
const FAKE_MEMBER = '00000000-0000-7000-8000-000000000000';

function heartbeat(from: string, epoch: number, hostId: string | null, role = 'host') {
  return {
    type: 'hb',
    from,
    epoch,
    role,
    hostId,
    seq: 1,
    echo: -1,
    hostAgoMs: 0,
    eligible: true,
    heads: [],
  };
}

describe('a stranger on the network', () => {
  it('one forged changes frame from a made-up member, an epoch ahead, changes nothing anywhere', async () => {
    const c = new SimCluster(4, { seed: 41 }).start();
    c.run(3_000);
    await c.settleAll([c.submit(1), c.submit(2)], 2_000);
    const host = c.agreedHost()!;
    const dropped: string[] = [];
    for (const n of c.nodes) n.peer.events.on('dropped', (d) => dropped.push(d.code));
    const wire = c.net.endpoint(STRANGER);
    const frame = {
      type: 'changes',
      from: FAKE_MEMBER,
      epoch: host.peer.epoch + 1000,
      base: host.peer.doc ? Automerge.getHeads(host.peer.doc) : [],
      data: forgedChanges(c),
    };
    for (const n of c.nodes) wire.send(n.device, JSON.stringify(frame));
    c.run(1_000);
    for (const n of c.nodes) {
      assert.equal(Object.keys(n.peer.doc!.baton.members).length, 4, `n${n.index} lost members`);
      assert.ok(!('forged' in n.peer.doc!.app.items), `n${n.index} took the forged value`);
    }
    assert.equal(c.agreedHost()?.peer.memberId, host.peer.memberId);
    assert.ok(dropped.filter((d) => d === 'not-member').length >= 4, dropped.join());
    await c.settleAll([c.submit(3)], 2_000);
    await assertHealthy(c);
  });

  it("fake host heartbeats from a made-up member (epoch 1e9, or an id that sorts first) do not take the room's host", async () => {
    const c = new SimCluster(4, { seed: 42 }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const changesBefore = c.hostChanges.length;
    const wire = c.net.endpoint(STRANGER);
    const done: Promise<boolean>[] = [];
    for (let i = 0; i < 12; i++) {
      for (const n of c.nodes) {
        wire.send(n.device, JSON.stringify(heartbeat(FAKE_MEMBER, 1e9, FAKE_MEMBER)));
        wire.send(n.device, JSON.stringify(heartbeat(FAKE_MEMBER, host.peer.epoch, FAKE_MEMBER)));
      }
      if (i % 3 === 0) done.push(c.submit(1 + (i % 3)));
      c.run(250);
    }
    await c.settleAll(done, 3_000);
    assert.deepEqual(
      await Promise.all(done),
      done.map(() => true),
      c.report(),
    );
    assert.equal(c.agreedHost()?.peer.memberId, host.peer.memberId, c.report());
    assert.equal(c.hostChanges.length, changesBefore, 'no host change');
    await assertHealthy(c);
  });
});

describe('a member of the room', () => {
  it('cannot push its own changes frame to the room: the document comes only from the host', async () => {
    const c = new SimCluster(4, { seed: 43 }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const mallory = c.nodes.find((n) => n !== host)!;
    const wire = c.net.endpoint(mallory.device);
    const frame = {
      type: 'changes',
      from: mallory.peer.memberId,
      epoch: host.peer.epoch + 1,
      base: Automerge.getHeads(host.peer.doc!),
      data: forgedChanges(c),
    };
    for (const n of c.nodes) if (n !== mallory) wire.send(n.device, JSON.stringify(frame));
    c.run(1_000);
    for (const n of c.nodes)
      if (n !== mallory) assert.ok(!('forged' in n.peer.doc!.app.items), `n${n.index} took it`);
    await assertHealthy(c);
  });

  it('cannot bomb the epoch: 2^53 is refused at decode, a thousand terms at once by the bound, and the room keeps one host', async () => {
    const c = new SimCluster(4, { seed: 44 }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const epoch = host.peer.epoch;
    const mallory = c.nodes.find((n) => n !== host)!;
    const codes: string[] = [];
    for (const n of c.nodes) n.peer.events.on('dropped', (d) => codes.push(d.code));
    const wire = c.net.endpoint(mallory.device);
    for (let i = 0; i < 8; i++) {
      for (const n of c.nodes) {
        if (n === mallory) continue;
        const me = mallory.peer.memberId!;
        wire.send(n.device, JSON.stringify(heartbeat(me, 9007199254740500, me)));
        wire.send(n.device, JSON.stringify(heartbeat(me, epoch + MAX_EPOCH_STEP + 1, me)));
      }
      c.run(250);
    }
    assert.ok(codes.includes('invalid') && codes.includes('epoch-jump'), codes.join());
    for (const n of c.nodes) assert.ok(n.peer.epoch <= epoch + MAX_EPOCH_STEP, `n${n.index}`);
    assert.equal(c.agreedHost()?.peer.memberId, host.peer.memberId, c.report());
    await c.settleAll([c.submit(0), c.submit(2)], 2_000);
    await assertHealthy(c);
  });

  it('a holder that heartbeats as live but never reports new heads is skipped after a timeout, not waited on', async () => {
    const c = new SimCluster(4, { seed: 45 }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const holder = c.nodes[c.indexOf(host.peer.successors()[1]!)]!;
    const heads = Automerge.getHeads(holder.peer.doc!);
    const me = holder.peer.memberId!;
    // The holder's copy stops, and a client on its device keeps it "live" with stale heads.
    suspendPeer(holder.peer);
    const wire = c.net.endpoint(holder.device);
    const pretend = () => {
      const hb = { ...heartbeat(me, host.peer.epoch, host.peer.memberId, 'member'), heads };
      wire.send(host.device, JSON.stringify(hb));
    };
    const other = c.nodes.find((n) => n !== host && n !== holder)!;
    const done = c.submit(other.index);
    let acked = false;
    void done.then(() => (acked = true));
    for (let t = 0; t < 20 && !acked; t++) {
      pretend();
      c.run(250);
      await c.settle();
    }
    assert.ok(acked, `the ack waited on the stalled holder for 5 s\n${c.report()}`);
    assert.equal(await done, true);
    // Nothing acked rests on the host alone: another member holds it.
    assert.ok(c.setCheck().lost.length === 0);
  });
});

describe('joining', () => {
  it('a hello naming another device is refused; a script making up devices is admitted at a trickle', async () => {
    const c = new SimCluster(3, { seed: 46 }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const sid = host.peer.sessionId!;
    const members = () => Object.keys(host.peer.doc!.baton.members).length;
    // A stranger says hello as laptop 1: refused, nobody admitted.
    const stranger = c.net.endpoint(STRANGER);
    const refused: string[] = [];
    stranger.onFrame((_from: DeviceId, frame: string) => {
      const m = JSON.parse(frame) as { type: string; error?: { code: string } };
      if (m.type === 'refuse') refused.push(m.error!.code);
    });
    const hello = (device: string) => ({
      type: 'hello',
      v: PROTOCOL_VERSION,
      sessionId: sid,
      deviceId: device,
      memberId: null,
      name: 'x',
      eligible: true,
    });
    stranger.send(host.device, JSON.stringify(hello(c.nodes[1]!.device)));
    c.run(500);
    assert.equal(members(), 3);
    assert.deepEqual(refused, ['identity']);
    // 200 made-up devices say hello within one second.
    for (let i = 0; i < 200; i++) {
      const d = `${i.toString(16).padStart(4, '0')}${'a'.repeat(28)}` as DeviceId;
      c.net.endpoint(d).send(host.device, JSON.stringify(hello(d)));
      if (i % 50 === 49) c.run(250);
    }
    c.run(1_000);
    const admitted = members() - 3;
    assert.ok(admitted <= 50 + 5 * 3, `admitted ${admitted} in about 2 s`);
    await c.settleAll([c.submit(0), c.submit(1)], 3_000);
    assert.equal(c.agreedHost()?.peer.memberId, host.peer.memberId);
  });
});

describe('many members at once', () => {
  it("members each within their own allowance together wait for the room's: the host keeps its pace", async () => {
    const c = new SimCluster(4, {
      seed: 47,
      config: {
        commandBurst: 1000,
        commandsPerSecond: 1000,
        roomCommandBurst: 100,
        roomCommandsPerSecond: 10,
      },
    }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const others = c.nodes.filter((n) => n !== host);
    let ok = 0;
    const all = others.flatMap((n) =>
      Array.from({ length: 100 }, (_, i) => {
        const { done } = n.peer.submit({ op: 'add', value: `m${n.index}-${i}` });
        c.submitted.add(`m${n.index}-${i}`);
        return done.then((r) => {
          assert.ok(r.ok, JSON.stringify(r));
          c.acked.add(`m${n.index}-${i}`);
          ok++;
        });
      }),
    );
    c.run(2_000);
    await c.settle();
    assert.ok(ok >= 100 && ok <= 140, `taken ${ok} of 300 in 2 s`);
    await c.settleAll(all, 30_000);
    assert.equal(ok, 300, 'all taken in the end, at the room rate');
    await assertHealthy(c);
  });

  it('a member pushing sync messages past its byte budget is cut off; the room goes on', async () => {
    const c = new SimCluster(3, { seed: 48, config: { memberSyncBurstBytes: 20_000 } }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const mallory = c.nodes.find((n) => n !== host)!;
    const codes: string[] = [];
    host.peer.events.on('dropped', (d) => codes.push(d.code));
    const wire = c.net.endpoint(mallory.device);
    const junk = Buffer.alloc(6_000, 7).toString('base64');
    for (let i = 0; i < 6; i++)
      wire.send(
        host.device,
        JSON.stringify({
          type: 'sync',
          from: mallory.peer.memberId,
          epoch: host.peer.epoch,
          data: junk,
        }),
      );
    c.run(200);
    assert.ok(codes.filter((x) => x === 'rate-limited').length >= 3, codes.join());
    await c.settleAll([c.submit(0), c.submit(1), c.submit(2)], 3_000);
    await assertHealthy(c);
  });
});

describe("a change in another copy's name", () => {
  it("a sync whose change reuses the host's own actor and sequence number is refused by Automerge and dropped; the host keeps running and serving", async () => {
    const c = new SimCluster(3, { seed: 49 }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const mallory = c.nodes.find((n) => n !== host)!;
    const dropped: string[] = [];
    host.peer.events.on('dropped', (d) => dropped.push(`${d.code}: ${d.message}`));
    // Mallory writes a change in the host's name with the host's next sequence number...
    const doc = host.peer.doc!;
    const inHostsName = Automerge.change(
      Automerge.clone(doc, { actor: Automerge.getActorId(doc) }),
      (d) => {
        d.app.items['forged'] = { forged: 'forged' };
      },
    );
    const forged = Automerge.getChanges(doc, inHostsName);
    // ...which the host uses first, for a real command.
    await c.settleAll([c.submit(0)], 3_000);
    const sync = Automerge.encodeSyncMessage({
      heads: Automerge.getHeads(inHostsName),
      need: [],
      have: [],
      changes: forged,
    });
    c.net.endpoint(mallory.device).send(
      host.device,
      JSON.stringify({
        type: 'sync',
        from: mallory.peer.memberId,
        epoch: host.peer.epoch,
        data: Buffer.from(sync).toString('base64'),
        // A real certificate of the host's (as every member holds), so the host does look
        // at the change rather than drop it unread (certs.ts).
        certs: [hostCertOf(host, Automerge.getHeads(doc))],
      }),
    );
    c.run(500);
    assert.ok(
      dropped.some((d) => d.startsWith('internal') && d.includes('duplicate seq')),
      dropped.join(),
    );
    for (const n of c.nodes) assert.ok(!('forged' in n.peer.doc!.app.items), `n${n.index} took it`);
    await c.settleAll([c.submit(0), c.submit(1), c.submit(2)], 3_000);
    await assertHealthy(c);
  });
});

/** The heads certificate `host` would send with `heads` (its device key, this term). */
function hostCertOf(host: SimCluster['nodes'][number], heads: string[]) {
  const { sessionId, epoch, memberId } = host.peer;
  const text = certText(sessionId!, epoch, memberId!, heads);
  return { epoch, by: memberId, heads, ...simSigner(host.device).sign(text) };
}

/**
 * Four laptops (K = 2): the host's last change reaches the keeper (its second successor)
 * and not the successor, which hears nothing more from the host.
 */
function lastChangeAtKeeper(seed: number) {
  const c = new SimCluster(4, { seed, config: { k: 2 } }).start();
  c.run(3_000);
  const host = c.agreedHost()!;
  // successors(): the host first, then the order its room would follow.
  const successor = c.nodes[c.indexOf(host.peer.successors()[1]!)]!;
  const keeper = c.nodes[c.indexOf(host.peer.successors()[2]!)]!;
  c.blockOneWay(host.index, successor.index);
  const last = c.submit(keeper.index);
  const ahead = () =>
    !Automerge.hasHeads(successor.peer.doc!, Automerge.getHeads(keeper.peer.doc!));
  c.runUntil(ahead, 3_000);
  assert.ok(ahead(), `the successor lacks it (the test is not empty)\n${c.report()}`);
  return { c, host, successor, keeper, last, heads: Automerge.getHeads(keeper.peer.doc!) };
}

/**
 * A member (any student's laptop) pushing the host Automerge changes of its own making
 * through the sync protocol — the merge path a demoted host's term takes after a split.
 * The host takes only changes some other laptop's host signed for (certs.ts).
 */
describe('a member pushing changes through sync', () => {
  /** Mallory's sync message carrying `changes`, with `certs`, to the host. */
  const push = (
    c: SimCluster,
    mallory: SimCluster['nodes'][number],
    changes: Uint8Array[],
    certs: unknown[],
  ) => {
    const host = c.agreedHost()!;
    const doc = host.peer.doc!;
    const data = Automerge.encodeSyncMessage({
      heads: Automerge.getHeads(doc),
      need: [],
      have: [],
      changes,
    });
    const msg = {
      type: 'sync',
      from: mallory.peer.memberId,
      epoch: host.peer.epoch,
      data: Buffer.from(data).toString('base64'),
      certs,
    };
    c.net.endpoint(mallory.device).send(host.device, JSON.stringify(msg));
  };
  /** A change that empties the room's list and adds one of Mallory's, as `actor`. */
  const forge = (doc: Automerge.Doc<SessionDoc<SetState>>, actor: string, key: string) => {
    const after = Automerge.change(Automerge.clone(doc, { actor }), (d) => {
      for (const shard of Object.keys(d.app.items)) delete d.app.items[shard];
      d.app.items[key] = { [key]: key };
    });
    return { changes: Automerge.getChanges(doc, after), heads: Automerge.getHeads(after) };
  };

  it("changes no other laptop's host signed for are refused, whoever's name or signature they carry; the room keeps its list, and the pusher rebases on the host's document", async () => {
    const c = new SimCluster(4, { seed: 46 }).start();
    c.run(3_000);
    await c.settleAll([c.submit(0), c.submit(1), c.submit(2), c.submit(3)], 3_000);
    const host = c.agreedHost()!;
    const mallory = c.nodes.find((n) => n !== host)!;
    const other = c.nodes.find((n) => n !== host && n !== mallory)!;
    const codes: string[] = [];
    const dropped: string[] = [];
    host.peer.events.on('dropped', (d) => {
      codes.push(d.code);
      dropped.push(`${d.code}: ${d.message}`);
    });
    const before = Object.keys(host.peer.doc!.app.items).length;
    const doc = host.peer.doc!;
    const sid = host.peer.sessionId!;
    const epoch = host.peer.epoch;
    const me = mallory.peer.memberId!;
    const sign = (device: DeviceId, by: string, heads: string[]) => ({
      epoch,
      by,
      heads,
      ...simSigner(device).sign(certText(sid, epoch, by, heads)),
    });
    // 1. Her own actor, no certificate. 2. Her own actor, her own signature ("I hosted
    // this term alone"). 3. Another member's actor and name on the certificate, signed
    // with her key. 4. The host's actor (and next sequence number: Automerge would refuse
    // the host's real change with it for good), a certificate in the host's name with her
    // key.
    const tries = [
      ['plain', forge(doc, me.replace(/-/g, ''), 'forged-1'), () => []],
      [
        'self-signed',
        forge(doc, me.replace(/-/g, ''), 'forged-2'),
        (h: string[]) => [sign(mallory.device, me, h)],
      ],
      [
        'in another name',
        forge(doc, other.peer.memberId!.replace(/-/g, ''), 'forged-3'),
        (h: string[]) => [sign(mallory.device, other.peer.memberId!, h)],
      ],
      [
        'as the host',
        forge(doc, Automerge.getActorId(doc), 'forged-4'),
        (h: string[]) => [
          {
            ...sign(mallory.device, host.peer.memberId!, h),
            key: simSigner(host.device).sign('x').key,
          },
        ],
      ],
    ] as const;
    for (const [what, f, certs] of tries) {
      push(c, mallory, f.changes, certs([...f.heads]));
      c.run(300);
      for (const n of c.nodes) {
        const items = n.peer.doc!.app.items;
        assert.ok(
          !Object.keys(items).some((k) => k.startsWith('forged')),
          `${what}: n${n.index} took it`,
        );
        assert.ok(Object.keys(items).length >= before, `${what}: n${n.index} lost entries`);
      }
      await c.settleAll([c.submit(other.index)], 3_000);
    }
    // Each one dropped, unread: nothing in it is vouched for.
    assert.equal(codes.filter((x) => x === 'uncertified').length, tries.length, dropped.join());
    // The host's own change with that sequence number went through: the room goes on.
    await c.settleAll([c.submit(0), c.submit(1), c.submit(2), c.submit(3)], 3_000);
    await assertHealthy(c);
  });

  it("an old host's last change, which only a member holds, is taken by the new host: its certificate is the old host's", async () => {
    const { c, host, successor, keeper, last, heads } = lastChangeAtKeeper(47);
    const codes: string[] = [];
    for (const n of c.nodes) n.peer.events.on('dropped', (d) => codes.push(d.code));
    c.crash(host.index);
    c.heal();
    c.runUntil(() => c.agreedHost() === successor, 10_000);
    await c.settleAll([last, c.submit(keeper.index)], 5_000);
    assert.ok(
      Automerge.hasHeads(successor.peer.doc!, heads),
      'the new host took the old host’s change',
    );
    assert.ok(!codes.includes('uncertified'), codes.join());
    await assertHealthy(c);
  });
});

describe("a member's copy sent the host's document to rebase on", () => {
  it("keeps the changes another laptop's host signed for (an old host's last one, which the new host lacks) and pushes them first", async () => {
    const { c, host, successor, keeper, heads } = lastChangeAtKeeper(48);
    // The keeper's own sync to the new host is held back until it has been sent the
    // host's document to rebase on: a client with the keeper's key (a student's modified
    // client beside their copy) pushes a change of its own first.
    let hold = true;
    const untap = c.net.tap((from, to, type) =>
      hold && from === keeper.device && to === successor.device && type === 'sync'
        ? 'drop'
        : undefined,
    );
    c.crash(host.index);
    c.heal();
    c.runUntil(() => successor.peer.role === 'host', 10_000);
    const doc = successor.peer.doc!;
    const after = Automerge.change(Automerge.clone(doc), (d) => {
      d.app.items['forged'] = { forged: 'forged' };
    });
    const data = Automerge.encodeSyncMessage({
      heads: Automerge.getHeads(after),
      need: [],
      have: [],
      changes: Automerge.getChanges(doc, after),
    });
    hold = false;
    c.net.endpoint(keeper.device).send(
      successor.device,
      JSON.stringify({
        type: 'sync',
        from: keeper.peer.memberId,
        epoch: successor.peer.epoch,
        data: Buffer.from(data).toString('base64'),
      }),
    );
    hold = true;
    c.run(500); // the refusal, and the document to rebase on, reach the keeper
    untap();
    c.runUntil(() => Automerge.hasHeads(successor.peer.doc!, heads), 5_000);
    assert.ok(
      Automerge.hasHeads(successor.peer.doc!, heads),
      'the old host’s change reached the new host',
    );
    for (const n of c.nodes)
      if (n !== host) assert.ok(!('forged' in n.peer.doc!.app.items), `n${n.index} took it`);
    await assertHealthy(c);
  });
});

describe('big frames from a member', () => {
  it('an 11.5 MB changes frame and a 5 MB sync from a member are dropped before anything is applied or saved', async () => {
    const c = new SimCluster(3, { seed: 49 }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const mallory = c.nodes.find((n) => n !== host)!;
    const victim = c.nodes.find((n) => n !== host && n !== mallory)!;
    const codes: string[] = [];
    for (const n of [host, victim]) n.peer.events.on('dropped', (d) => codes.push(d.code));
    const bytesBefore = replicaBytes(host.peer);
    const wire = c.net.endpoint(mallory.device);
    const me = mallory.peer.memberId!;
    const big = Buffer.alloc(8_600_000, 1).toString('base64'); // 11.5 MB of base64
    for (const to of [host, victim])
      wire.send(
        to.device,
        JSON.stringify({
          type: 'changes',
          from: me,
          epoch: host.peer.epoch,
          base: [],
          data: [big],
        }),
      );
    const sync = Buffer.alloc(3_900_000, 2).toString('base64'); // 5.2 MB
    wire.send(
      host.device,
      JSON.stringify({ type: 'sync', from: me, epoch: host.peer.epoch, data: sync }),
    );
    c.run(200);
    assert.ok(codes.includes('not-host'), codes.join());
    assert.ok(codes.includes('too-large'), codes.join());
    assert.ok(replicaBytes(host.peer) - bytesBefore < 100_000, 'nothing big was saved');
    await c.settleAll([c.submit(0), c.submit(1)], 3_000);
    await assertHealthy(c);
  });
});

describe('hosting is not for the taking', () => {
  it("a member's handover to itself, in its own name and a new epoch, is dropped: nobody follows it", async () => {
    const c = new SimCluster(4, { seed: 50 }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const mallory = c.nodes.find((n) => n !== host)!;
    const me = mallory.peer.memberId!;
    const codes: string[] = [];
    for (const n of c.nodes) n.peer.events.on('dropped', (d) => codes.push(d.code));
    const wire = c.net.endpoint(mallory.device);
    const frame = { type: 'handover', from: me, epoch: host.peer.epoch + 1000, to: me };
    for (const n of c.nodes) if (n !== mallory) wire.send(n.device, JSON.stringify(frame));
    c.run(1_000);
    assert.ok(codes.filter((x) => x === 'not-host').length >= 3, codes.join());
    assert.equal(c.agreedHost()?.peer.memberId, host.peer.memberId, c.report());
    await c.settleAll([c.submit(0), c.submit(2)], 3_000);
    await assertHealthy(c);
  });
});
