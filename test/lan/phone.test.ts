import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { describe, it } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { Classroom, sleep } from './classroom';
import { ip, scenario } from './harness';
import { PhoneClient, phonePublicKey, signedCmd } from './phone-client';

/**
 * Phones on real processes, and phones that misbehave: the phone API gives student powers
 * only, refuses pages from other origins, closes floods and junk, and a command resubmitted
 * through a second laptop (the page moved) applies once. The laptops keep serving.
 */

describe('LAN: phones', () => {
  it('student powers only; foreign pages, junk, floods and oversized frames are refused; laptops keep serving', async () => {
    const c = new Classroom(3);
    try {
      await c.setUp();
      const at = (i: number) => `${c.peer(i).address}:${c.peer(i).port}`;
      // Laptops learn each other's addresses as they link and announce: wait for all three.
      for (let i = 0; i < 100; i++) {
        const l = await c.peer(1).call<{ addresses: string[] }>('session.shareLinks');
        if (l.addresses.length === 3) break;
        await sleep(100);
      }
      // A page from somewhere else may not talk to a laptop.
      await assert.rejects(PhoneClient.open(at(1), 'http://evil.example'), /HTTP 403/);
      // A page of this very laptop may, whichever of its addresses it came from.
      (await PhoneClient.open(at(1), `http://${at(1)}`)).ws.close();
      // Its own laptops' pages may (a page loaded from laptop 2 talking to laptop 1).
      const ann = await PhoneClient.open(at(1), `http://${at(2)}`);
      ann.hello();
      const view = await ann.wait((f) => f.t === 'state');
      assert.equal(view.view!.laptops.length, 3, 'every laptop of the room is listed');
      const joined = await ann.command({
        m: 'join',
        name: 'Ann (phone)',
        topic: 'lists',
        location: 'row 1',
      });
      assert.equal(joined.ok, true, JSON.stringify(joined));
      const entryId = joined.value!.entryId!;

      // Staff powers are not in the phone API.
      for (const m of ['helpNext', 'remove', 'setPhones', 'login'])
        assert.equal(
          (await ann.command({ m, entryId })).ok ?? ann.frames.at(-1)?.code === 'unknown-method',
          false,
        );
      const staff = ann.frames.filter((f) => f.t === 'error' && f.code === 'unknown-method');
      assert.ok(staff.length >= 4, 'each staff method got unknown-method');

      // Another phone cannot withdraw Ann's entry.
      const eve = await PhoneClient.open(at(0));
      eve.hello();
      const stolen = await eve.command({ m: 'withdraw', entryId });
      assert.equal(stolen.error?.code, 'not-owner', JSON.stringify(stolen));

      // A sniffer on the Wi-Fi sees everything Ann's phone sends over plain HTTP: its hello
      // (a public key, no secret) and its signed commands. Ann steps away; the sniffer
      // says hello with Ann's public key, then replays that command under a new id, turns
      // it into a withdraw, and sends it again as it was: none changes Ann's entry.
      const away = signedCmd(ann.secret, uuidv7(), { m: 'away', entryId }) as {
        cid: string;
        cmd: { m: string; entryId: string };
        sig: string;
      };
      ann.send(away);
      const stepped = await ann.wait((f) => f.t === 'result' && f.cid === away.cid);
      assert.equal(stepped.ok, true, JSON.stringify(stepped));
      const sniffer = await PhoneClient.open(at(2));
      sniffer.send({ t: 'hello', key: phonePublicKey(ann.secret) });
      const replays = [
        { ...away, cid: uuidv7(), cmd: { m: 'back', entryId } },
        { ...away, cid: uuidv7() },
        { ...away, cid: uuidv7(), cmd: { m: 'withdraw', entryId } },
      ];
      for (const r of replays) {
        sniffer.send(r);
        const got = await sniffer.wait((f) => f.t === 'result' && f.cid === r.cid);
        assert.equal(
          got.error?.code,
          'not-owner',
          `replayed ${JSON.stringify(r.cmd)}: ${JSON.stringify(got)}`,
        );
      }
      sniffer.send(away); // as it was: the command id is applied once, nothing happens again
      await sniffer.wait((f) => f.t === 'result' && f.cid === away.cid);
      const still = await c
        .peer(0)
        .call<{ entries: { entryId: string; status: string; awaySince: number | null }[] }>(
          'queue.get',
        );
      const annNow = still.entries.find((e) => e.entryId === entryId);
      assert.equal(annNow?.status, 'waiting', 'Ann is still in line');
      assert.ok(annNow?.awaySince !== null, 'and still away, as Ann said');
      sniffer.ws.close();

      // Junk frames: clear errors, then the phone is closed; oversized frames close at once.
      for (const junk of ['{', '[]', '{"t":"cmd"}', '{"t":"hello","secret":"zz"}', 'null'])
        eve.send(junk);
      await eve.wait((f) => f.t === 'error' && f.code === 'bad-json');
      await eve.wait((f) => f.t === 'error' && f.code === 'validation');
      const big = await PhoneClient.open(at(0));
      big.send('x'.repeat(10_000));
      for (let i = 0; i < 50 && big.closed === null; i++) await sleep(20);
      assert.equal(big.closed, 1009, 'oversized frame: closed with 1009');

      // A flood from one phone: rate-limited, then closed; the others are still served.
      const flood = await PhoneClient.open(at(0));
      flood.hello();
      for (let i = 0; i < 200; i++) flood.send({ t: 'ping' });
      await flood.wait((f) => f.t === 'error' && f.code === 'rate-limited');
      for (let i = 0; i < 100 && flood.closed === null; i++) await sleep(20);
      assert.equal(flood.closed, 1008, 'the flooding phone is closed');
      const q = await c.peer(0).call<{ entries: { entryId: string }[] }>('queue.get');
      assert.deepEqual(
        q.entries.map((e) => e.entryId),
        [entryId],
        'nothing acknowledged is lost',
      );

      // The page moved: the same command through another laptop applies once.
      const cid = uuidv7();
      const kim = await PhoneClient.open(at(1));
      kim.hello();
      const first = await kim.command(
        { m: 'join', name: 'Kim (phone)', topic: '', location: '' },
        cid,
      );
      const again = await PhoneClient.open(at(2));
      again.hello(kim.secret);
      const second = await again.command(
        { m: 'join', name: 'Kim (phone)', topic: '', location: '' },
        cid,
      );
      assert.equal(second.value?.entryId, first.value?.entryId, 'the same answer');
      const after = await c.peer(2).call<{ entries: { name: string }[] }>('queue.get');
      assert.equal(after.entries.filter((e) => e.name === 'Kim (phone)').length, 1, 'applied once');
      for (const p of [ann, eve, flood, kim, again]) p.ws.close();
      // One address holds at most 4 phone sockets: a script holding idle sockets from one
      // machine is turned away (429) and cannot crowd out the real phones.
      await sleep(200);
      const idle: PhoneClient[] = [];
      for (let i = 0; i < 4; i++) idle.push(await PhoneClient.open(at(2)));
      await assert.rejects(PhoneClient.open(at(2)), /HTTP 429/);
      // At most 200 phones per laptop, from 50 addresses: the next one is told to go elsewhere.
      const crowd: PhoneClient[] = [];
      for (let a = 0; a < 50; a++) {
        const localAddress = `${c.room.subnet}.${200 + a}`;
        ip('addr', 'add', `${localAddress}/24`, 'dev', `br${c.room.id}a`);
        for (let i = 0; i < 4 && idle.length + crowd.length < 200; i++)
          crowd.push(await PhoneClient.open(at(2), undefined, undefined, { localAddress }));
      }
      ip('addr', 'add', `${c.room.subnet}.250/24`, 'dev', `br${c.room.id}a`);
      await assert.rejects(
        PhoneClient.open(at(2), undefined, undefined, { localAddress: `${c.room.subnet}.250` }),
        /HTTP 503/,
      );
      assert.ok(await PhoneClient.open(at(0)), 'another laptop still takes phones');
      for (const p of [...idle, ...crowd]) p.ws.close();
    } catch (e) {
      console.error(c.room.logs());
      throw e;
    } finally {
      await c.close();
    }
  });

  it('a page under a foreign Host (DNS rebinding) is refused; sign-ups are rate-limited per address and per phone', async () => {
    const c = new Classroom(2);
    await scenario(
      c.room,
      async () => {
        await c.setUp();
        const at = `${c.peer(0).address}:${c.peer(0).port}`;
        // The page and the API answer only to this laptop's own addresses.
        const get = async (host: string) => {
          const res = await new Promise<number>((resolve, reject) => {
            const req = http.get({
              host: c.peer(0).address,
              port: c.peer(0).port,
              path: '/',
              headers: { host },
            });
            req.on('response', (r) => {
              r.resume();
              resolve(r.statusCode ?? 0);
            });
            req.on('error', reject);
          });
          return res;
        };
        assert.equal(await get(at), 200, 'its own address');
        assert.equal(await get(`evil.example:${c.peer(0).port}`), 421, 'a foreign name');
        await assert.rejects(
          PhoneClient.open(at, `http://evil.example:${c.peer(0).port}`, undefined, {
            host: `evil.example:${c.peer(0).port}`,
          }),
          /HTTP 421/,
        );
        // One client making up students: a new secret per sign-up, all from one address.
        const script = await PhoneClient.open(at);
        const codes: string[] = [];
        for (let i = 0; i < 12; i++) {
          script.hello(randomBytes(32).toString('hex'));
          const r = await script.command({ m: 'join', name: `fake ${i}`, topic: '', location: '' });
          codes.push(r.ok ? 'ok' : r.error!.code);
        }
        assert.equal(codes.filter((x) => x === 'ok').length, 4, codes.join());
        assert.ok(
          codes.slice(4).every((x) => x === 'rate-limited'),
          codes.join(),
        );
        // A real phone on another address still signs up.
        const localAddress = `${c.room.subnet}.199`;
        ip('addr', 'add', `${localAddress}/24`, 'dev', `br${c.room.id}a`);
        const real = await PhoneClient.open(at, undefined, undefined, { localAddress });
        real.hello();
        const ok = await real.command({ m: 'join', name: 'Real', topic: '', location: '' });
        assert.equal(ok.ok, true, JSON.stringify(ok));
        for (const p of [script, real]) p.ws.close();
      },
      () => c.close(),
    );
  });
});
