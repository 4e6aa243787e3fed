import { ed25519 } from '@noble/curves/ed25519';
import {
  type LaptopFrame,
  type PhoneCmdFields,
  type PhoneOut,
  type PhoneView,
  type BoxKeys,
  fromBase64,
  newBoxKeys,
  phoneSignedText,
  seal,
  unseal,
} from '../../core/phone/wire';

/**
 * The phone's connection to the room. It talks to one laptop at a time and always knows
 * the others (every state push lists them in successorship order). When its laptop goes
 * silent for SILENCE_MS or says it is leaving, it moves to the next one by itself, says
 * hello again and resubmits whatever was not acknowledged (same command ids: applied once).
 */

/** A laptop's heartbeat comes every 300 ms: this long without one means it is gone. */
export const SILENCE_MS = 1_200;
const STORE_KEY = 'baton.phone.v1';

export interface Pending {
  cid: string;
  cmd: PhoneCmdFields;
}

interface Saved {
  /**
   * The seed of this phone's Ed25519 key (hex). It never leaves the page (but in the URL
   * fragment of a move to another laptop, which the browser does not send): the laptops
   * see the public key and a signature per command.
   */
  secret: string;
  laptops: PhoneView['laptops'];
  pending: Pending[];
}

export type LinkState =
  | { kind: 'connecting'; to: string }
  | { kind: 'open'; via: string; moved: boolean }
  | { kind: 'lost'; tried: number }
  | { kind: 'off'; message: string };

/** What a phone talks over: a browser WebSocket, or a channel through the relay. */
export interface SocketLike {
  readonly readyState: number;
  onopen: (() => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  send(text: string): void;
  close(): void;
}

/**
 * How a page reaches laptops: on the LAN, a WebSocket to `ip:port` (the page came from one
 * of them); through the relay (relay-link.ts), a channel to a laptop's device id.
 */
export interface Carrier {
  open(target: string): SocketLike;
  /** The targets a view's laptop list names, in order. */
  targets(laptops: PhoneView['laptops']): string[];
  /** A target always on the list (the laptop the LAN page came from), or null. */
  home: string | null;
  /** LAN: the page's address on `target`, to move there while hidden; relay: none. */
  movedUrl?(target: string, fragment: string): string;
}

/** The LAN: the page came from a laptop, and talks to laptops by address. */
export const lanCarrier: Carrier = {
  // A browser WebSocket is a SocketLike (its handlers take an event the link ignores).
  open: (address) => new WebSocket(`ws://${address}/phone`) as unknown as SocketLike,
  targets: (laptops) => laptops.flatMap((l) => (l.address ? [l.address] : [])),
  home: location.host,
  movedUrl: (address, fragment) => `http://${address}/${fragment}`,
};

const OPEN = 1;

export interface LinkEvents {
  view(v: PhoneView): void;
  state(s: LinkState): void;
  result(cid: string, r: { ok: boolean; error?: { code: string; message: string } }): void;
  pending(p: Pending[]): void;
}

/** A page moved here from another laptop brings its identity in the URL fragment. */
const HANDOFF = '#baton=';

function load(): Saved {
  if (location.hash.startsWith(HANDOFF)) {
    try {
      const s = JSON.parse(decodeURIComponent(location.hash.slice(HANDOFF.length))) as Saved;
      if (/^[0-9a-f]{64}$/.test(s.secret)) {
        history.replaceState(null, '', location.pathname);
        return { ...s, laptops: s.laptops ?? [], pending: s.pending ?? [] };
      }
    } catch {
      // A damaged fragment: fall back to what this address has stored.
    }
  }
  try {
    const s = JSON.parse(localStorage.getItem(STORE_KEY) ?? 'null') as Saved | null;
    if (s && /^[0-9a-f]{64}$/.test(s.secret))
      return { ...s, laptops: s.laptops ?? [], pending: s.pending ?? [] };
  } catch {
    // A damaged store: start afresh (the entry stays owned by the old secret).
  }
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return {
    secret: [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(''),
    laptops: [],
    pending: [],
  };
}

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

/** A UUIDv7 made on the phone: the laptop submits the command under it. */
export function uuidv7(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  const ms = Date.now();
  for (let i = 0; i < 6; i++) b[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff;
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class PhoneLink {
  private saved = load();
  private ws: SocketLike | null = null;
  private address: string;
  private heardAt = 0;
  private firstVia: string | null = null;
  private failures = 0;
  private retry: number | null = null;
  /** Set while the session has phone joining off: retry quietly until it is back on. */
  private off: string | null = null;

  constructor(
    home: string,
    private readonly on: LinkEvents,
    private readonly carrier: Carrier = lanCarrier,
    /** Laptops known before any view (a relayed page finds them on the relay). */
    laptops: PhoneView['laptops'] = [],
  ) {
    this.address = home;
    if (laptops.length) this.saved.laptops = laptops;
    this.save();
    setInterval(() => this.watch(), 250);
    // A page talking to another laptop than the one it came from moves there while hidden
    // (a locked screen, another tab): a later reload then comes from a laptop that is up.
    // Its identity travels in the fragment, which never leaves the phone.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.moveHome();
    });
    this.connect(home);
  }

  /** Reload this page from the laptop it talks to now, if that is not where it came from. */
  moveHome(): boolean {
    const moved = this.carrier.movedUrl;
    if (!moved || this.ws?.readyState !== OPEN || this.address === this.carrier.home) return false;
    location.replace(
      moved(this.address, `${HANDOFF}${encodeURIComponent(JSON.stringify(this.saved))}`),
    );
    return true;
  }

  get pending(): Pending[] {
    return this.saved.pending;
  }

  /** Send a command; it stays pending (and is resent after a move) until answered. */
  send(cmd: Pending['cmd']): string {
    const p = { cid: uuidv7(), cmd };
    this.saved.pending.push(p);
    this.save();
    this.on.pending(this.saved.pending);
    this.write(this.signed(p));
    return p.cid;
  }

  /** A pending command as a frame, signed with this phone's key. */
  private signed(p: Pending): PhoneOut {
    const sig = ed25519.sign(new TextEncoder().encode(phoneSignedText(p.cid, p.cmd)), this.seed);
    return { t: 'cmd', cid: p.cid, cmd: p.cmd, sig: hex(sig) };
  }

  private get seed(): Uint8Array {
    return Uint8Array.from(this.saved.secret.match(/../g)!.map((b) => parseInt(b, 16)));
  }

  private save(): void {
    localStorage.setItem(STORE_KEY, JSON.stringify(this.saved));
  }

  /** This connection's box keys, and the laptop's (from its `key` frame): frames are sealed. */
  private box: BoxKeys = newBoxKeys();
  private laptopBox: Uint8Array | null = null;

  /** A frame to the laptop, sealed; before the laptop's key arrives nothing goes (pending stays). */
  private write(f: PhoneOut): void {
    if (this.ws?.readyState === OPEN && this.laptopBox)
      this.ws.send(seal(JSON.stringify(f), this.laptopBox, this.box));
  }

  private connect(address: string): void {
    this.address = address;
    if (!this.off) this.on.state({ kind: 'connecting', to: this.nameOf(address) });
    let ws: SocketLike;
    try {
      ws = this.carrier.open(address);
    } catch {
      return this.next();
    }
    this.ws = ws;
    this.box = newBoxKeys();
    this.laptopBox = null;
    this.heardAt = Date.now();
    ws.onopen = () => {
      this.heardAt = Date.now();
    };
    ws.onmessage = (e) => {
      this.heardAt = Date.now();
      const raw = String(e.data);
      const opened = unseal(raw, this.box);
      let f: LaptopFrame;
      try {
        f = JSON.parse(opened.ok ? opened.text : raw) as LaptopFrame;
      } catch {
        return;
      }
      if (f.t === 'key') {
        // The laptop's key for this connection: now say hello and resend what is pending.
        this.laptopBox = fromBase64(f.key);
        this.write({ t: 'hello', key: hex(ed25519.getPublicKey(this.seed)) });
        for (const p of this.saved.pending) this.write(this.signed(p));
        return;
      }
      this.frame(f);
    };
    ws.onclose = () => {
      if (this.ws === ws) this.next();
    };
  }

  private frame(f: LaptopFrame): void {
    if (f.t === 'state') {
      this.failures = 0;
      this.off = null;
      if (f.view.laptops.length) this.saved.laptops = f.view.laptops;
      this.save();
      const via = f.view.via.device ?? f.view.via.address;
      this.firstVia ??= via;
      this.on.state({ kind: 'open', via: f.view.via.name, moved: via !== this.firstVia });
      this.on.view(f.view);
    } else if (f.t === 'result') {
      this.saved.pending = this.saved.pending.filter((p) => p.cid !== f.cid);
      this.save();
      this.on.pending(this.saved.pending);
      this.on.result(f.cid, f.ok ? { ok: true } : { ok: false, error: f.error });
    } else if (f.t === 'leaving') {
      this.next();
    } else if (f.t === 'off') {
      this.off = f.message;
      this.on.state({ kind: 'off', message: f.message });
    }
  }

  /** The laptop went silent (crashed, asleep, out of range): move on. */
  private watch(): void {
    if (this.ws?.readyState === OPEN && Date.now() - this.heardAt > SILENCE_MS) this.next();
  }

  /** The next laptop on the list after the current one, round and round with a pause. */
  private next(): void {
    const old = this.ws;
    this.ws = null;
    if (old) {
      old.onclose = null;
      old.close();
    }
    const list = this.carrier.targets(this.saved.laptops);
    const home = this.carrier.home;
    if (home !== null && !list.includes(home)) list.push(home);
    if (list.length === 0) list.push(this.address);
    const i = list.indexOf(this.address);
    const to = list[(i + 1) % list.length]!;
    this.failures++;
    if (this.failures > list.length && !this.off)
      this.on.state({ kind: 'lost', tried: list.length });
    // Straight to the next laptop; once every one failed, wait a little between rounds
    // (and longer while phone joining is off: the page says so and looks again now and then).
    const wait = this.off ? 3_000 : this.failures > list.length ? 1_000 : 0;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = window.setTimeout(() => {
      this.retry = null;
      this.connect(to);
    }, wait);
  }

  private nameOf(target: string): string {
    return (
      this.saved.laptops.find((l) => l.address === target || l.device === target)?.name ??
      (target.length === 32 ? 'a laptop of the room' : target)
    );
  }
}
