import QRCode from 'qrcode';
import { type RelayView, sameRelay } from '../relay/relay-control';
import {
  type JoinCode,
  JOIN_LINK_PREFIX,
  decodeJoinCode,
  encodeJoinCode,
} from '../relay/join-code';
import { RelayError, type RelaySettings } from '../relay/settings';
import type { SessionDirectory } from './directory';
import { ApiError, type ErrorCode, type Handlers } from './requests';

/** The App API's relay methods: set the relay, make a join code, join with one. */

/** What a copy's relay offers the API (`core/relay/relay-control.ts` through `SessionNode`). */
export interface RelayAccess {
  set(settings: RelaySettings | null): Promise<RelayView>;
  current(): RelaySettings | null;
  /** Listen for a session's copies on the relay (the directory then lists it). */
  watch(sessionId: string): void;
}

export interface RelayMethodsPort {
  relay: RelayAccess | undefined;
  directory: SessionDirectory;
  /** The session this copy is in, with its name, or null. */
  session(): { id: string; name: string } | null;
  join(sessionId: string): Promise<unknown>;
  requireNoSession(): void;
  /** How long joining with a code waits for the session to answer on the relay. */
  findTimeoutMs?: number;
}

type RelayMethod = 'net.setRelay' | 'session.joinCode' | 'session.joinWithCode';

const CODES: Record<RelayError['code'], ErrorCode> = {
  'bad-url': 'bad-relay',
  'bad-settings': 'bad-relay',
  auth: 'relay-auth',
  unreachable: 'relay-unreachable',
  timeout: 'relay-unreachable',
  gone: 'relay-unreachable',
  'not-nats': 'relay-not-nats',
};

/** A relay failure as an API error with its code; anything else passes through. */
export function relayApiError(e: unknown): unknown {
  return e instanceof RelayError ? new ApiError(CODES[e.code], e.message) : e;
}

export function relayMethods(p: RelayMethodsPort): Pick<Handlers, RelayMethod> {
  const access = (): RelayAccess => {
    if (!p.relay) throw new ApiError('unsupported', 'no relay here');
    return p.relay;
  };
  return {
    'net.setRelay': async ({ relay }) => {
      const view = await access()
        .set(relay)
        .catch((e: unknown) => {
          throw relayApiError(e);
        });
      return view;
    },
    'session.joinCode': async () => {
      const s = p.session();
      if (!s) throw new ApiError('no-session', 'not in a session');
      const relay = access().current();
      if (!relay)
        throw new ApiError(
          'no-relay',
          'set a relay server first: a join code finds the room through it',
        );
      const { relayOnly: _local, ...shared } = relay;
      const code = encodeJoinCode({ v: 1, sid: s.id, sn: s.name, relay: shared });
      // Phones anywhere: the static page, told the room by the code after `#`.
      const phoneLink = shared.page && shared.web ? `${shared.page}#${code}` : null;
      return {
        code,
        link: `${JOIN_LINK_PREFIX}${code}`,
        relay: shared.url,
        phoneLink,
        phoneQrSvg: phoneLink
          ? await QRCode.toString(phoneLink, { type: 'svg', margin: 1, errorCorrectionLevel: 'L' })
          : null,
      };
    },
    'session.joinWithCode': async ({ code }) => {
      p.requireNoSession();
      let jc: JoinCode;
      try {
        jc = decodeJoinCode(code);
      } catch {
        throw new ApiError('bad-code', 'that is not a Baton join code or link');
      }
      const relay = access();
      const cur = relay.current();
      if (!cur || !sameRelay(cur, jc.relay))
        await relay
          .set({ ...jc.relay, ...(cur?.relayOnly ? { relayOnly: true } : {}) })
          .catch((e: unknown) => {
            throw relayApiError(e);
          });
      relay.watch(jc.sid);
      await found(p.directory, jc.sid, p.findTimeoutMs ?? 10_000).catch(() => {
        throw new ApiError(
          'unreachable',
          `nobody of "${jc.sn}" answered on the relay: is a laptop of the session running?`,
        );
      });
      await p.join(jc.sid);
      return { sessionId: jc.sid };
    },
  };
}

/** Resolves once the directory lists `sessionId`. */
function found(directory: SessionDirectory, sessionId: string, timeoutMs: number): Promise<void> {
  const listed = (): boolean => directory.list().some((s) => s.sessionId === sessionId);
  if (listed()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('not found'));
    }, timeoutMs);
    const off = directory.onChange(() => {
      if (!listed()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
