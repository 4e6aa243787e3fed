import type { Random } from '../random';
import { storageErrorCode } from '../errors';
import { v7 as uuidv7 } from 'uuid';
import { type CommandId, asCommandId } from '../ids';
import type { LoginRefused } from '../queue/apply';
import type { QueueCommand } from '../queue/commands';
import { exportCsv } from '../queue/csv';
import {
  type StaffKeyOf,
  STAFF_KDF,
  checkLegacyKey,
  deriveLegacyKey,
  lockOf,
  lockParams,
  loginProof,
  opens,
  sha256Hex,
  signRelay,
  signRotation,
} from '../queue/passcode';
import { isStaffLock } from '../queue/passphrase';
import { isAnchored, trustedLock } from '../queue/staff-trust';
import { NO_LOCK } from '../queue/login';
import type { KeyObject } from 'node:crypto';
import { staffStats } from '../queue/selectors';
import type { QueueState, StaffLock } from '../queue/types';
import type { Result } from '../result';
import type { Method, QueueView, Results } from './contract';
import type { OwnerSecrets } from './local-data';
import { ApiError, type Handlers } from './requests';
import { type ViewerFacts, historyView } from './views';

/** The App API's queue and staff methods: each one queue command, sent and acknowledged. */

/** What the queue methods need of the copy they run on. */
export interface QueuePort {
  /** The session's queue state (its staff as the lock proves them); throws `no-session` outside one. */
  state(): QueueState;
  /** The session this copy created or joined (the anchor of its lock: staff-trust.ts). */
  sessionId(): string;
  queueView(): QueueView;
  viewer(): ViewerFacts;
  now(): number;
  /** Owner secrets come from here (seeded in a simulated room). */
  random: Random;
  myName(): string;
  memberName(id: string): string;
  secrets(): OwnerSecrets;
  /** How staff keys are derived (off the event loop; at once in a simulation). */
  staffKeyOf: StaffKeyOf;
  /**
   * The staff key of this run's login (or of the session this copy created), kept in
   * memory only — never on disk — so a TA can sign the session's relay without typing the
   * passphrase again.
   */
  heldKey: { key: KeyObject | null };
  /** Hand a command to the engine (under `id` if given); throws `no-session` outside one. */
  submit(cmd: QueueCommand, id?: CommandId): { id: CommandId; done: Promise<Result<unknown>> };
  /** The queue changed here (an ack came back): tell the UI. */
  changed(): void;
}

type QueueMethod = Extract<Method, `queue.${string}` | `staff.${string}`>;

export function queueMethods(q: QueuePort): Pick<Handlers, QueueMethod> {
  /** Submit a queue command and wait for its acknowledgement; errors become ApiErrors. */
  const command = async (cmd: QueueCommand): Promise<unknown> => {
    const r = await q.submit(cmd).done;
    if (!r.ok) throw ApiError.of(r.error);
    q.changed();
    return r.value;
  };
  /** A command whose answer is just "done". */
  const done = async (cmd: QueueCommand): Promise<Record<string, never>> => {
    await command(cmd);
    return {};
  };
  /** A student's command on their own entry, proven with the owner secret on this disk. */
  const mine = (
    cmd: Extract<QueueCommand, { op: 'edit' | 'withdraw' | 'here' | 'away' | 'back' }>,
  ) => done({ ...cmd, secret: q.secrets().of(cmd.entryId) });
  const newId = (): CommandId =>
    asCommandId(uuidv7({ msecs: q.now(), random: q.random.bytes(16) }));
  /** A login command signed with `key` for this member (passcode.ts, loginProof). */
  const loginWith = (key: KeyObject, lock: StaffLock): { id: CommandId; cmd: QueueCommand } => {
    const me = q.viewer().me;
    if (!me) throw new ApiError('no-session', 'not in a session');
    const id = newId();
    return { id, cmd: { op: 'login', proof: loginProof(key, lock, me, id), name: q.myName() } };
  };
  /** Send a login and wait: a wrong passcode comes back as a refusal in a success. */
  const loginCommand = async (sent: { id?: CommandId; cmd: QueueCommand }): Promise<void> => {
    const r = await q.submit(sent.cmd, sent.id).done;
    if (!r.ok) throw ApiError.of(r.error);
    q.changed();
    const v = r.value as Partial<LoginRefused>;
    if (v.refused) throw new ApiError(v.refused, v.message ?? 'wrong staff passcode');
  };
  const valued =
    <M extends QueueMethod>() =>
    (cmd: QueueCommand) =>
      command(cmd) as Promise<Results[M]>;

  return {
    'queue.get': () => q.queueView(),
    'queue.join': async (p) => {
      const secret = Buffer.from(q.random.bytes(32)).toString('hex');
      // The secret is on disk before the command leaves, so a restart can still withdraw;
      // a laptop that cannot save it (a full disk) does not join at all.
      const id = newId();
      try {
        q.secrets().save(id, secret);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new ApiError(
          storageErrorCode(code),
          `This laptop cannot save what proves the entry is yours (${code ?? 'error'}): free some disk space and try again`,
        );
      }
      const { done: acked } = q.submit({ op: 'join', ...p, ownerHash: sha256Hex(secret) }, id);
      const r = await acked;
      if (!r.ok) {
        q.secrets().drop(id);
        throw ApiError.of(r.error);
      }
      return { entryId: (r.value as { entryId: string }).entryId };
    },
    'queue.edit': (p) => mine({ op: 'edit', ...p }),
    'queue.withdraw': (p) => mine({ op: 'withdraw', entryId: p.entryId }),
    'queue.here': (p) => mine({ op: 'here', entryId: p.entryId }),
    'queue.away': (p) => mine({ op: 'away', entryId: p.entryId }),
    'queue.back': (p) => mine({ op: 'back', entryId: p.entryId }),
    'queue.feedback': (p) => done({ op: 'feedback', ...p, secret: q.secrets().of(p.entryId) }),
    'queue.history': (p) => historyView(q.state(), q.viewer(), p?.limit ?? 200),
    'queue.exportCsv': () => ({ csv: exportCsv(q.state(), (id) => q.memberName(id)) }),
    'staff.login': async (p) => {
      const lock = trustedLock(q.state(), q.sessionId());
      if (!lock) throw new ApiError('no-lock', NO_LOCK);
      const name = q.myName();
      const wrong = () => new ApiError('wrong-passcode', 'wrong staff passcode');
      let sent: { id?: CommandId; cmd: QueueCommand };
      if (isStaffLock(lock)) {
        // The lock is replicated: a wrong passphrase is caught here without a round trip.
        const key = await q.staffKeyOf(p.passcode, lock);
        if (!opens(key, lock)) throw wrong();
        sent = loginWith(key, lock);
        q.heldKey.key = key;
      } else {
        const key = deriveLegacyKey(p.passcode, lock);
        if (!checkLegacyKey(key, lock)) throw wrong();
        sent = { cmd: { op: 'login', key, name } };
      }
      await loginCommand(sent);
      return {};
    },
    'staff.setPassphrase': async (p) => {
      const current = trustedLock(q.state(), q.sessionId());
      if (!current) throw new ApiError('no-lock', NO_LOCK);
      // In an anchored session the current passphrase signs the move: checked first, before
      // the new key's ≈ 0.65 s derivation.
      let key: KeyObject | null = null;
      if (isAnchored(q.sessionId())) {
        if (!isStaffLock(current)) throw new ApiError('no-lock', NO_LOCK);
        key = await q.staffKeyOf(p.current ?? '', current);
        if (!opens(key, current))
          throw new ApiError('wrong-passcode', 'the current staff passphrase is not that');
      }
      const params = lockParams(q.random.bytes(16), STAFF_KDF);
      const newKey = await q.staffKeyOf(p.passphrase, params);
      const next = lockOf(params, newKey);
      if (!key || !isStaffLock(current)) return done({ op: 'setPassphrase', lock: next });
      // Then this TA logs in again under the new lock (the move ends every login under the old).
      await done({ op: 'setPassphrase', lock: next, sig: signRotation(key, current, next) });
      await loginCommand(loginWith(newKey, next));
      q.heldKey.key = newKey;
      return {};
    },
    'staff.setRelay': async (p) => {
      const lock = trustedLock(q.state(), q.sessionId());
      if (!lock || !isStaffLock(lock) || !isAnchored(q.sessionId()))
        throw new ApiError('no-lock', 'this session has no staff key to sign its relay with');
      const held = q.heldKey.key;
      let key = held && opens(held, lock) ? held : null;
      if (!key) {
        if (!p.passphrase)
          throw new ApiError('wrong-passcode', 'type the staff passphrase to share the relay');
        key = await q.staffKeyOf(p.passphrase, lock);
        if (!opens(key, lock)) throw new ApiError('wrong-passcode', 'wrong staff passphrase');
      }
      const json = JSON.stringify(p.relay);
      const at = q.now();
      return done({ op: 'setRelay', json, at, sig: signRelay(key, lock, q.sessionId(), at, json) });
    },
    'staff.logout': () => {
      q.heldKey.key = null;
      return done({ op: 'logout' });
    },
    'staff.helpNext': (p) => valued<'staff.helpNext'>()({ op: 'helpNext', queueIds: p?.queueIds }),
    'staff.help': (p) => done({ op: 'help', entryId: p.entryId }),
    'staff.start': (p) => done({ op: 'start', entryId: p.entryId }),
    'staff.done': (p) => done({ op: 'done', entryId: p.entryId }),
    'staff.requeue': (p) => done({ op: 'requeue', ...p }),
    'staff.remove': (p) => done({ op: 'remove', entryId: p.entryId }),
    'staff.cantFind': (p) => done({ op: 'cantFind', entryId: p.entryId }),
    'staff.undo': (p) => valued<'staff.undo'>()({ op: 'undo', entryId: p.entryId }),
    'staff.restore': (p) => valued<'staff.restore'>()({ op: 'restore', entryId: p.entryId }),
    'staff.message': (p) => done({ op: 'message', ...p }),
    'staff.setTags': (p) => done({ op: 'setTags', ...p }),
    'staff.helpGroup': (p) => valued<'staff.helpGroup'>()({ op: 'helpGroup', ...p }),
    'staff.createQueue': (p) => valued<'staff.createQueue'>()({ op: 'createQueue', ...p }),
    'staff.renameQueue': (p) => done({ op: 'renameQueue', ...p }),
    'staff.setQueueMode': (p) => done({ op: 'setQueueMode', ...p }),
    'staff.setQueueRules': (p) => done({ op: 'setQueueRules', ...p }),
    'staff.setMeeting': (p) => done({ op: 'setMeeting', link: p.link }),
    'staff.note': (p) => done({ op: 'staffNote', entryId: p.entryId, text: p.text }),
    'staff.archiveQueue': (p) => done({ op: 'archiveQueue', ...p }),
    'staff.setTimers': (p) => valued<'staff.setTimers'>()({ op: 'setTimers', ...p }),
    'staff.setOpen': (p) => done({ op: 'setOpen', ...p }),
    'staff.setAnnouncement': (p) => done({ op: 'setAnnouncement', text: p.text }),
    'staff.setClosing': (p) => done({ op: 'setClosing', ...p }),
    'staff.setPhones': (p) => done({ op: 'setPhones', enabled: p.enabled }),
    'staff.clearFinished': () => valued<'staff.clearFinished'>()({ op: 'clearFinished' }),
    'staff.stats': (p) => staffStats(q.state(), q.now(), p?.queueId),
  };
}
