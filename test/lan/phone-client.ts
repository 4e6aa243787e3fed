import { type KeyObject, createPublicKey, randomBytes, sign } from 'node:crypto';
import { keyOfSeed } from '../../core/queue/passcode';
import {
  type BoxKeys,
  type PhoneCmdFields,
  fromBase64,
  newBoxKeys,
  phoneSignedText,
  seal,
  unseal,
} from '../../core/phone/wire';
import { v7 as uuidv7 } from 'uuid';
import { WebSocket } from 'ws';

/**
 * A phone's protocol client in Node (what the phone page does, without a browser), for the
 * LAN tests, the bench and the nemesis. `FollowingPhone` moves from laptop to laptop like
 * the page (renderer/phone/link.ts): on ~1.2 s of silence, a close or a goodbye it goes
 * to the next laptop on its list and resubmits whatever was not acknowledged.
 */

export interface Frame {
  t: string;
  /** The laptop's box key (its `key` frame). */
  key?: string;
  cid?: string;
  ok?: boolean;
  value?: { entryId?: string };
  error?: { code: string; message: string };
  code?: string;
  view?: {
    entry: { entryId: string; position: number; status: string } | null;
    laptops: { name: string; address: string }[];
    via: { name: string; address: string };
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A phone's Ed25519 key from its seed (hex), as the page makes it with @noble/curves. */
export function phoneKey(seedHex: string): { priv: KeyObject; pub: string } {
  const priv = keyOfSeed(Buffer.from(seedHex, 'hex'));
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  return { priv, pub: spki.subarray(spki.length - 32).toString('hex') };
}

/** The `cmd` frame a phone with seed `seedHex` sends: signed, as the page signs it. */
export function signedCmd(seedHex: string, cid: string, cmd: unknown): unknown {
  const text = phoneSignedText(cid, cmd as PhoneCmdFields);
  return {
    t: 'cmd',
    cid,
    cmd,
    sig: sign(null, Buffer.from(text), phoneKey(seedHex).priv).toString('hex'),
  };
}

/** A frame from a laptop: opened if sealed, else as sent (its `key`, early errors). */
function openFrame(raw: string, box: BoxKeys): Frame {
  const o = unseal(raw, box);
  return JSON.parse(o.ok ? o.text : raw) as Frame;
}

/** The public key (hex) a phone with seed `seedHex` says hello with. */
export const phonePublicKey = (seedHex: string): string => phoneKey(seedHex).pub;

export class PhoneClient {
  readonly frames: Frame[] = [];
  closed: number | null = null;
  /** The seed of this phone's key (hex): it never goes on the wire. */
  secret: string;
  private constructor(
    readonly ws: WebSocket,
    secret?: string,
  ) {
    this.secret = secret ?? randomBytes(32).toString('hex');
    ws.on('message', (d) => {
      const f = openFrame(d.toString(), this.box);
      if (f.t === 'key') this.laptopBox = fromBase64(f.key!);
      this.frames.push(f);
    });
    ws.on('close', (code) => (this.closed = code));
  }
  /** This connection's box keys, and the laptop's once its `key` frame came. */
  readonly box: BoxKeys = newBoxKeys();
  laptopBox: Uint8Array | null = null;
  static open(
    address: string,
    origin?: string,
    secret?: string,
    from?: { localAddress?: string; host?: string },
  ): Promise<PhoneClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${address}/phone`, {
        ...(origin ? { origin } : {}),
        ...(from?.localAddress ? { localAddress: from.localAddress } : {}),
        ...(from?.host ? { headers: { host: from.host } } : {}),
      });
      const c = new PhoneClient(ws, secret);
      // Ready once the laptop's key is here (its first frame): everything after is sealed.
      ws.once(
        'open',
        () => void c.wait((f) => f.t === 'key', 5_000).then(() => resolve(c), reject),
      );
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }
  /** A frame, sealed to the laptop; a string goes as it is (junk, or a frame sealed elsewhere). */
  send(f: unknown): void {
    this.ws.send(typeof f === 'string' ? f : seal(JSON.stringify(f), this.laptopBox!, this.box));
  }
  /** Say hello with the key of `secret` (another phone's page moved here: its seed). */
  hello(secret = this.secret): void {
    this.secret = secret;
    this.send({ t: 'hello', key: phonePublicKey(secret) });
  }
  async wait(pred: (f: Frame) => boolean, ms = 10_000): Promise<Frame> {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      const f = this.frames.find(pred);
      if (f) return f;
      await sleep(20);
    }
    throw new Error(`no such frame in ${ms} ms; got ${JSON.stringify(this.frames.slice(-5))}`);
  }
  async command(cmd: unknown, cid = uuidv7()): Promise<Frame> {
    this.send(signedCmd(this.secret, cid, cmd));
    return this.wait((f) => f.t === 'result' && f.cid === cid);
  }
}

interface Pending {
  cid: string;
  cmd: unknown;
  resolve(f: Frame): void;
}

export class FollowingPhone {
  readonly secret = randomBytes(32).toString('hex');
  private ws: WebSocket | null = null;
  private laptops: string[];
  private address: string;
  private heardAt = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly timer: NodeJS.Timeout;
  private stopped = false;
  /** The latest view, and every laptop it talked to. */
  view: Frame['view'] | null = null;
  readonly via: string[] = [];

  constructor(home: string, laptops: string[] = []) {
    this.address = home;
    this.laptops = laptops.length ? laptops : [home];
    this.timer = setInterval(() => {
      if (this.ws?.readyState === WebSocket.OPEN && Date.now() - this.heardAt > 1_200) this.next();
    }, 100);
    this.connect(home);
  }

  /** Send a command; resolves with its result, whichever laptop answers it. */
  command(cmd: unknown, cid = uuidv7()): Promise<Frame> {
    return new Promise((resolve) => {
      this.pending.set(cid, { cid, cmd, resolve });
      this.write(signedCmd(this.secret, cid, cmd));
    });
  }

  get current(): string {
    return this.address;
  }

  private box: BoxKeys = newBoxKeys();
  private laptopBox: Uint8Array | null = null;

  private write(f: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN && this.laptopBox)
      this.ws.send(seal(JSON.stringify(f), this.laptopBox, this.box));
  }

  private connect(address: string): void {
    if (this.stopped) return;
    this.address = address;
    const ws = new WebSocket(`ws://${address}/phone`);
    this.ws = ws;
    this.box = newBoxKeys();
    this.laptopBox = null;
    this.heardAt = Date.now();
    ws.on('open', () => {
      this.heardAt = Date.now();
    });
    ws.on('message', (d) => {
      this.heardAt = Date.now();
      const f = openFrame(d.toString(), this.box);
      if (f.t === 'key') {
        this.laptopBox = fromBase64(f.key!);
        this.write({ t: 'hello', key: phonePublicKey(this.secret) });
        for (const p of this.pending.values()) this.write(signedCmd(this.secret, p.cid, p.cmd));
      } else if (f.t === 'state' && f.view) {
        this.view = f.view;
        if (f.view.laptops.length) this.laptops = f.view.laptops.map((l) => l.address);
        if (this.via.at(-1) !== address) this.via.push(address);
      } else if (f.t === 'result' && f.cid) {
        const p = this.pending.get(f.cid);
        this.pending.delete(f.cid);
        p?.resolve(f);
      } else if (f.t === 'leaving') this.next();
    });
    ws.on('close', () => {
      if (this.ws === ws) this.next();
    });
    ws.on('error', () => {});
  }

  private next(): void {
    const old = this.ws;
    this.ws = null;
    old?.removeAllListeners('close');
    old?.terminate();
    const i = this.laptops.indexOf(this.address);
    const to = this.laptops[(i + 1) % this.laptops.length]!;
    setTimeout(() => this.connect(to), to === this.address ? 500 : 0);
  }

  close(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.ws?.terminate();
  }
}
