import * as Automerge from '@automerge/automerge';
import { type FreshChange, changesIn, memberCount, valueAt } from './core-reads';
import type { CommandId, DeviceId, MemberId } from '../ids';
import type { Random } from '../random';
import { type Result, err } from '../result';
import type { WriteSink } from './write-sink';
import { issueMemberId } from '../member-ids';
import type { App, ApplyContext } from './engine-app';
import { type SessionDoc, commandBucket, memberEntries } from './document';
import { DocFile } from './doc-file';

export { DOC_KEY } from './doc-file';
/** A member's view of the document is at most this many changes behind its core. */
const VIEW_LAG = 32;

export type ApplyOutcome<V> =
  | { kind: 'applied'; result: Result<V>; head: string }
  | { kind: 'duplicate'; result: Result<V> }
  | { kind: 'rejected'; result: Result<V> };

/**
 * One copy's replica of the session document: durable on its store, synced per link
 * with Automerge's sync protocol (one SyncState per link). The host writes through
 * `applyCommand`/`admit`; everyone merges through `receiveSync`.
 */
export class Replica<S> {
  private _doc: Automerge.Doc<SessionDoc<S>>;
  /**
   * Changes merged into Automerge's core but not yet into `_doc`'s plain-object view. A
   * member applies the host's broadcasts to the core alone, and the view catches up (for
   * every change since, at once) when something reads it: the view's update costs as much
   * as the merge itself (it copies every container a change touches), and no ack waits on
   * it. Everything that only needs heads, changes or bytes reads the core. Counted in
   * changes, and caught up by VIEW_LAG changes at the latest: a view left behind for a whole
   * session would cost one long stall when first read (a second for a process of twelve
   * members after a failover on the room bench).
   */
  private viewBehind = 0;
  /** Reading the document goes through wasm: heads are cached per version. */
  private cache: { heads: string[] } | null = null;
  /**
   * The member list, per count of member records (records are only ever added: `admit`);
   * `checked` until the document next changes.
   */
  private memberCache: {
    count: number;
    checked: boolean;
    members: MemberId[];
    devices: Map<MemberId, DeviceId>;
  } | null = null;
  private readonly syncStates = new Map<MemberId, Automerge.SyncState>();
  /** Where the document's writes go (doc-file.ts). */
  private readonly file: DocFile;
  /** Bytes of sync messages generated, per link (for the "only what it lacks" check). */
  readonly bytesSent = new Map<MemberId, number>();

  private constructor(store: WriteSink, doc: Automerge.Doc<SessionDoc<S>>) {
    this._doc = doc;
    this.file = new DocFile(store, doc);
  }

  /** A new replica for a session this copy creates (the creator's document). */
  static create<S>(store: WriteSink, doc: Automerge.Doc<SessionDoc<S>>): Replica<S> {
    const r = new Replica(store, doc);
    r.file.replaceWith(Automerge.save(doc), doc);
    return r;
  }

  /** An empty replica for a session this copy joins; the host's sync fills it. */
  static empty<S>(store: WriteSink, actor: string): Replica<S> {
    const r = new Replica(store, Automerge.init<SessionDoc<S>>({ actor }));
    r.file.replaceWith(Automerge.save(r._doc), r._doc);
    return r;
  }

  /** Whether this replica holds nothing yet (a joiner before its first sync). */
  isEmpty(): boolean {
    return this.heads().length === 0;
  }

  /** Replace an empty replica's document with a whole saved document (a joiner's first state). */
  adoptSnapshot(bytes: Uint8Array, actor: string): boolean {
    if (!this.isEmpty()) return false;
    this.doc = Automerge.load<SessionDoc<S>>(bytes, { actor });
    this.syncStates.clear();
    this.file.replaceWith(bytes, this._doc); // already a whole saved document: no need to save it again
    return true;
  }

  /** The replica saved as `bytes` (the store's DOC_KEY blob), writing on to `store`. */
  static load<S>(bytes: Uint8Array, store: WriteSink, actor: string): Replica<S> {
    return new Replica(store, Automerge.load<SessionDoc<S>>(bytes, { actor }));
  }

  /** The document, its view up to date. */
  get doc(): Automerge.Doc<SessionDoc<S>> {
    if (this.viewBehind > 0) {
      // Applying no changes brings the view up to the core: one patch for all since.
      this._doc = Automerge.applyChanges(this._doc, [])[0];
      this.viewBehind = 0;
    }
    return this._doc;
  }

  heads(): string[] {
    return this.cached().heads;
  }

  /** Does this replica hold every change up to `heads`? */
  hasHeads(heads: readonly string[]): boolean {
    return Automerge.hasHeads(this._doc, [...heads]);
  }

  members(): MemberId[] {
    return this.memberList().members;
  }

  /** The device a member runs on, as the document records it. */
  deviceOf(id: MemberId): DeviceId | null {
    return this.memberList().devices.get(id) ?? null;
  }

  private cached(): NonNullable<Replica<S>['cache']> {
    this.cache ??= { heads: Automerge.getHeads(this._doc) };
    return this.cache;
  }

  /** The members, read from the view only when the core counts a different number of them. */
  private memberList(): NonNullable<Replica<S>['memberCache']> {
    const c = this.memberCache;
    if (c?.checked) return c;
    const count = memberCount(this._doc);
    if (c?.count === count) {
      c.checked = true;
      return c;
    }
    const entries = memberEntries(this.doc);
    const devices = new Map(entries.map((e) => [e.memberId, e.deviceId]));
    this.memberCache = { count, checked: true, members: entries.map((e) => e.memberId), devices };
    return this.memberCache;
  }

  /** The document changed: heads and the member count are read again when next asked. */
  private changed(): void {
    this.cache = null;
    if (this.memberCache) this.memberCache.checked = false;
  }

  /** The value at `path` under `doc.app` as plain data, from the core (core-reads.ts). */
  valueAt(path: readonly string[]): unknown {
    return valueAt(this._doc, path);
  }

  private set doc(next: Automerge.Doc<SessionDoc<S>>) {
    this._doc = next;
    this.viewBehind = 0;
    this.changed();
  }

  /** Host: apply one command through the app, idempotent by command id. */
  applyCommand<V>(
    app: App<S, V>,
    id: CommandId,
    body: unknown,
    ctx: ApplyContext,
  ): ApplyOutcome<V> {
    const seen = this.commandResult(id);
    if (seen !== undefined) return { kind: 'duplicate', result: JSON.parse(seen) as Result<V> };
    let result: Result<V> = err('internal', 'not applied');
    const rejected = new Error('rejected');
    const view = this.doc.app;
    try {
      this.doc = Automerge.change(this._doc, { time: Math.floor(ctx.now / 1000) }, (d) => {
        result = app.apply(d.app, body, ctx, view);
        if (!result.ok) throw rejected; // roll the change back
        // Re-read after creating: an assignment yields the plain object, not the live proxy.
        const e = String(ctx.epoch);
        const b = commandBucket(id);
        d.baton.cmds[e] ??= {};
        d.baton.cmds[e][b] ??= {};
        // An ImmutableString is one op; a plain string would be collaborative text, one op per character.
        d.baton.cmds[e][b][id] = new Automerge.ImmutableString(JSON.stringify(result));
      });
    } catch (e) {
      if (e !== rejected) {
        result = err('internal', `apply failed: ${(e as Error).message}`);
      }
      return { kind: 'rejected', result };
    }
    this.persist();
    return { kind: 'applied', result, head: this.heads()[0] as string };
  }

  /** The recorded result of command `id`, in any term, as JSON; undefined if never applied. */
  commandResult(id: CommandId): string | undefined {
    const cmds = this.doc.baton?.cmds;
    if (!cmds) return undefined;
    const bucket = commandBucket(id);
    for (const term of Object.values(cmds)) {
      const hit = term[bucket]?.[id];
      if (hit !== undefined) return String(hit);
    }
    return undefined;
  }

  /** The member running on `device`, as the document records it, or null. */
  memberOfDevice(device: DeviceId): MemberId | null {
    return this.members().find((m) => this.deviceOf(m) === device) ?? null;
  }

  /** Host: admit a device as a member, or return the id it already has. */
  admit(
    deviceId: DeviceId,
    name: string,
    now: number,
    random: Random,
  ): { memberId: MemberId; head: string | null } {
    const known = this.memberOfDevice(deviceId);
    if (known) return { memberId: known, head: null };
    const memberId = issueMemberId(this.members(), now, random);
    this.doc = Automerge.change(this.doc, { time: Math.floor(now / 1000) }, (d) => {
      d.baton.members[memberId] = { name: name.slice(0, 200), deviceId, admittedAt: now };
    });
    this.persist();
    return { memberId, head: this.heads()[0] as string };
  }

  /** Host: mark the start of a term. The change depends on every head, anchoring the ack chain. */
  startTerm(epoch: number, host: MemberId, now: number, app?: App<S>): string {
    const view = this.doc.app;
    this.doc = Automerge.change(this.doc, { time: Math.floor(now / 1000) }, (d) => {
      if (!d.baton.terms) d.baton.terms = {};
      d.baton.terms[String(epoch)] = { host, at: now };
      app?.reconcile?.(d.app, { now, epoch }, view);
    });
    this.persist();
    return this.heads()[0] as string;
  }

  /**
   * Host: a change on top of all heads (after merging a member's changes), in which the
   * app may reconcile what the merge brought in; an empty change if it has nothing to do.
   */
  anchor(now: number, epoch: number, app?: App<S>): string {
    const opts = { time: Math.floor(now / 1000) };
    let next = this.doc;
    if (app?.reconcile) {
      const reconcile = app.reconcile.bind(app);
      const view = next.app;
      next = Automerge.change(next, opts, (d) => reconcile(d.app, { now, epoch }, view));
    }
    this.doc = next === this._doc ? Automerge.emptyChange(this._doc, opts) : next;
    this.persist();
    return this.heads()[0] as string;
  }

  /** Merge a sync message from `member`. Returns whether our heads changed (then persisted). */
  receiveSync(member: MemberId, data: Uint8Array): boolean {
    const before = this.heads().join();
    const [doc, state] = Automerge.receiveSyncMessage(this.doc, this.syncState(member), data);
    this.doc = doc;
    this.syncStates.set(member, state);
    const changed = this.heads().join() !== before;
    if (changed) this.persist();
    return changed;
  }

  /** Host: the changes a member's sync message chunks would add (core-reads.ts `changesIn`). */
  tryChunks(chunks: readonly Uint8Array[]): FreshChange[] {
    return changesIn(this._doc, chunks);
  }

  /** Host: merge changes `tryChunks` found (those it takes of a member's message). */
  applyChanges(changes: readonly Uint8Array[]): boolean {
    const before = this.heads().join();
    if (changes.length > 0) this.doc = Automerge.applyChanges(this.doc, [...changes])[0];
    const changed = this.heads().join() !== before;
    if (changed) this.persist();
    return changed;
  }

  /**
   * Member: replace the document with the host's (`next`, loaded from `bytes`, a whole
   * saved document, as the actor this copy writes as from now on), after the host refused
   * changes this copy holds.
   */
  rebase(next: Automerge.Doc<SessionDoc<S>>, bytes: Uint8Array): void {
    this.doc = next;
    this.syncStates.clear();
    this.memberCache = null;
    this.file.replaceWith(bytes, this._doc);
  }

  /** Host: every change since `heads` (for the broadcast to members in step). */
  changesSince(heads: readonly string[]): Uint8Array[] {
    this.flush(); // as in generateSync: a change leaves only once it is on our disk
    return Automerge.getChangesSince(this._doc, [...heads]);
  }

  /**
   * Member: apply a broadcast of the changes since `base`. `gap` when this replica lacks
   * `base` (a broadcast was lost): the caller falls back to the sync protocol.
   */
  applyBroadcast(base: readonly string[], changes: Uint8Array[]): 'applied' | 'nothing' | 'gap' {
    if (!this.hasHeads(base)) return 'gap';
    const before = this.heads().join();
    Automerge.getBackend(this._doc).applyChanges(changes);
    this.changed();
    if (this.heads().join() === before) return 'nothing';
    this.viewBehind += changes.length;
    if (this.viewBehind >= VIEW_LAG) void this.doc;
    this.persist();
    return 'applied';
  }

  /** Next sync message for `member`, or null when it has everything we know it needs. */
  generateSync(member: MemberId): Uint8Array | null {
    // A change must be on our disk before any copy can see it: a crash that lost it would
    // let this actor reuse its sequence number for a different change.
    this.flush();
    const [state, msg] = Automerge.generateSyncMessage(this._doc, this.syncState(member));
    this.syncStates.set(member, state);
    if (msg) this.bytesSent.set(member, (this.bytesSent.get(member) ?? 0) + msg.byteLength);
    return msg;
  }

  /** Forget what we believe `member` has (new link, lost messages); the next message restarts the exchange. */
  resetSync(member: MemberId): void {
    this.syncStates.delete(member);
  }

  /** The whole document for a joiner, loadable with `Automerge.load` (doc-file.ts). */
  snapshot(): Uint8Array {
    this.flush();
    return this.file.snapshot(this._doc);
  }

  /** Whether a whole saved document is at hand as the base of joiners' snapshots. */
  hasSnapshotBase(): boolean {
    return this.file.hasWhole();
  }

  /** Save the base of joiners' snapshots now if there is none (a copy that resumed from disk). */
  prepareSnapshot(): void {
    if (!this.hasSnapshotBase()) this.snapshot();
  }

  /** Full document bytes (for size comparisons). */
  save(): Uint8Array {
    this.flush(); // as in generateSync: nothing leaves before it is on disk
    return Automerge.save(this._doc);
  }

  private syncState(member: MemberId): Automerge.SyncState {
    let s = this.syncStates.get(member);
    if (!s) {
      s = Automerge.initSyncState();
      this.syncStates.set(member, s);
    }
    return s;
  }

  /**
   * Group commit: when set, a change is written on `flush()` instead of at once, so the
   * changes of one event-loop turn share one fsync. The owner is told (once per batch) and
   * must flush before anything depends on the change being on disk (an ack, or heads it
   * reports as held).
   */
  onDeferredWrite: (() => void) | null = null;
  private dirty = false;

  /** Write the whole document at the next flush (after a failed write: the chunks since the last good one are lost). */
  rewrite(): void {
    this.file.rewrite();
    this.dirty = true;
  }

  /** Write what `onDeferredWrite` held back (no-op when nothing is pending). */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.file.write(this._doc);
  }

  private persist(): void {
    if (this.onDeferredWrite) {
      if (!this.dirty) {
        this.dirty = true;
        this.onDeferredWrite();
      }
      return;
    }
    this.file.write(this._doc);
  }
}
