import { z } from 'zod';

/**
 * Where a room's relay is and how to log in to it: a NATS server (or cluster) the
 * department runs or rents. NATS has its own auth; Baton only passes it on. None of this
 * gives powers in the room — links through the relay are TLS end to end, proven by
 * device keys, exactly as on the LAN (SECURITY.md) — so it may travel with the session
 * and in a join link.
 */
export const relaySettingsSchema = z
  .object({
    /** One or more servers, comma-separated: nats://host:4222, tls://…, ws://…, wss://… */
    url: z.string().min(1).max(1_000),
    token: z.string().min(1).max(4_096).optional(),
    user: z.string().min(1).max(256).optional(),
    pass: z.string().min(1).max(4_096).optional(),
    /** The contents of a `.creds` file (a user JWT and its nkey seed). */
    creds: z.string().min(1).max(16_384).optional(),
    /**
     * The relay's WebSocket listener for browsers (ws://… or wss://…): phone pages served
     * from a static web host reach the room through it. Unset: phones only on the LAN.
     */
    web: z.string().min(1).max(1_000).optional(),
    /**
     * Where the static phone page is served (https://…/baton/, any web host): the phone
     * link is this address with the join code after `#`.
     */
    page: z.string().min(1).max(1_000).optional(),
    /** Skip LAN links: every link of this copy goes through the relay. */
    relayOnly: z.boolean().optional(),
  })
  .strict();

export type RelaySettings = z.infer<typeof relaySettingsSchema>;

const SCHEMES = ['nats:', 'tls:', 'ws:', 'wss:'];

/** The servers of a relay URL, each checked; a clear error for anything else. */
export function relayServers(url: string): string[] {
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0)
    throw new RelayError('bad-url', 'type a relay address like nats://relay.example.edu:4222');
  if (servers.length > 16) throw new RelayError('bad-url', 'at most 16 relay servers');
  for (const s of servers) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new RelayError(
        'bad-url',
        `"${s.slice(0, 80)}" is not a relay address like nats://relay.example.edu:4222`,
      );
    }
    if (!SCHEMES.includes(u.protocol))
      throw new RelayError(
        'bad-url',
        `"${s.slice(0, 80)}": a relay address starts with nats://, tls://, ws:// or wss://`,
      );
    if (!u.hostname) throw new RelayError('bad-url', `"${s.slice(0, 80)}" names no server`);
  }
  const ws = servers.filter((s) => s.startsWith('ws'));
  if (ws.length > 0 && ws.length < servers.length)
    throw new RelayError('bad-url', 'list either nats:// or ws:// servers, not both');
  return servers;
}

/**
 * Settings as they came (the API, a saved file, a join code, the session's document),
 * checked whole: the schema, every server address, the browsers' and page's addresses,
 * a user only with its password. Credentials in a URL's user part stay there: NATS reads them.
 */
export function checkRelaySettings(input: unknown): RelaySettings {
  const r = relaySettingsSchema.safeParse(input);
  if (!r.success)
    throw new RelayError('bad-settings', r.error.issues[0]?.message ?? 'bad relay settings');
  relayServers(r.data.url);
  if (r.data.web !== undefined && !relayServers(r.data.web).every((u) => u.startsWith('ws')))
    throw new RelayError('bad-url', 'the address for phones starts with ws:// or wss://');
  if (r.data.page !== undefined && !/^https?:\/\/[^\s#]+$/.test(r.data.page))
    throw new RelayError('bad-url', 'the phone page address starts with https:// (or http://)');
  if ((r.data.user === undefined) !== (r.data.pass === undefined))
    throw new RelayError(
      'bad-settings',
      'a relay user needs its password, and a password its user',
    );
  return r.data;
}

export type RelayErrorCode =
  'bad-url' | 'bad-settings' | 'auth' | 'unreachable' | 'not-nats' | 'timeout' | 'gone';

/** A relay problem with a code the UI and the API show. */
export class RelayError extends Error {
  override name = 'RelayError';
  constructor(
    readonly code: RelayErrorCode,
    message: string,
  ) {
    super(message);
  }
}
