import * as Automerge from '@automerge/automerge';
import type { DeviceId, MemberId } from '../ids';
import type { SessionDoc } from '../replication/document';
import { valueAt } from '../replication/core-reads';
import { type HeadsCert, headsCertSchema } from '../protocol/messages';
import type { WriteSink } from '../replication/write-sink';
import type { SessionState } from './state';

// Whose changes a host takes from a member. Only hosts write the document, so every honest
// change is one some host made (or took, by this same rule) in its term. A host signs the
// heads it holds with its device key (a heads certificate, sent with its changes, sync
// messages and snapshots); members keep the latest one per term. A member that holds
// changes its host lacks (an old host's last changes after a failover, a demoted host's
// term after a split heals) shows its certificates, and the host takes exactly the changes
// that are ancestors of heads certified by another member's device — or by a preferred
// (staff) device, whoever sends them. A member cannot certify its own changes: a modified
// copy that claims it hosted alone while split off, and pushes "its term", is the one
// case no signature tells from an honest laptop that hosted alone. So a host that is not
// preferred acks nothing its own copy alone holds (acks.ts), and what it wrote alone goes
// back to the room as its commands, not as its changes: the host takes the rest and sends
// that member its document to rebase on (joining.ts `onSnapshot`).

/** The store key of the certificates a member holds. */
export const CERTS_KEY = 'certs.json';
/** Terms whose certificate a member keeps (the newest). */
const KEEP_TERMS = 16;
/** Certificates a host remembers having checked (the newest). */
const CHECKED_MAX = 256;

/** What a certificate signs: a domain tag, the session, the term, the signer, the heads. */
export function certText(
  session: string,
  epoch: number,
  by: string,
  heads: readonly string[],
): string {
  return `baton-heads\n${session}\n${epoch}\n${by}\n${[...heads].sort().join(',')}`;
}

/** Host: its certificate of the heads it holds now (signed once per version of the document). */
export function hostCert<S>(s: SessionState<S>): HeadsCert | undefined {
  const e = s.election;
  if (!e || e.role !== 'host' || !s.replica || !s.identity) return undefined;
  const heads = s.replica.heads();
  if (heads.length === 0) return undefined;
  const key = `${e.epoch}|${heads.join()}`;
  if (s.ownCert?.key === key) return s.ownCert.cert;
  const me = s.identity.memberId;
  const signed = s.o.signer.sign(certText(s.identity.sessionId, e.epoch, me, heads));
  const cert: HeadsCert = { epoch: e.epoch, by: me, heads: [...heads], ...signed };
  s.ownCert = { key, cert };
  return cert;
}

/**
 * Host, preferred (staff): keep its own certificate as a member keeps its host's. Its
 * term is vouched for by its own signature (`vouchedHeads`), and it acks what its copy
 * alone holds (acks.ts); once demoted (a split heals, it restarts) it must show that
 * signature like any member, or the next host refuses the term and the rebase drops it.
 * Called before its acks leave, then written with them (`saveCerts`).
 */
export function keepOwnCert<S>(s: SessionState<S>): void {
  const me = s.memberId;
  if (!me || !s.election?.seats.isPreferred(me)) return;
  const cert = hostCert(s);
  if (!cert || s.certs.get(cert.epoch)?.sig === cert.sig) return;
  keep(s, cert);
}

function keep<S>(s: SessionState<S>, cert: HeadsCert): void {
  s.certs.set(cert.epoch, cert);
  if (s.certs.size > KEEP_TERMS) s.certs.delete(Math.min(...s.certs.keys()));
  s.certsDirty = true;
}

/** Member: keep the certificate its host sent, once this copy holds what it certifies. */
export function noteCert<S>(s: SessionState<S>, from: MemberId, cert: HeadsCert | undefined): void {
  if (!cert || cert.by !== from || !s.replica?.hasHeads(cert.heads)) return;
  keep(s, cert);
}

/**
 * Member: the heads its host's acks may count it as holding (`have`, heartbeats) — those of
 * the newest certificate from that host it keeps, which it holds (`noteCert`). It may hold
 * more: a sync round can bring changes without all of its certificate's heads, so that
 * certificate is not kept. A later host takes a holder's changes only as far as a
 * certificate vouches (`vouchedHeads`); an ack resting on more was undone when the room
 * moved to another host (the nemesis lost 45 acknowledged joins so). None from this host
 * yet: nothing; its next frame brings one.
 */
export function vouchedToReport<S>(s: SessionState<S>): string[] {
  const host = s.election?.hostId;
  let best: HeadsCert | undefined;
  for (const c of s.certs.values()) if (c.by === host && (!best || c.epoch > best.epoch)) best = c;
  return best ? [...best.heads] : [];
}

/** Member: the certificates to show with changes the host may lack (newest term first). */
export function certsToShow<S>(s: SessionState<S>): HeadsCert[] {
  return [...s.certs.values()].sort((a, b) => b.epoch - a.epoch);
}

/**
 * Member, sent the host's document to rebase on: how many of its certificates — by
 * another member the host's document lists, or a preferred one — vouch for heads this
 * copy holds and that document lacks. The host takes those changes; they must not be
 * dropped with the ones it refused.
 */
export function unmergedCerts<S>(s: SessionState<S>, next: Automerge.Doc<SessionDoc<S>>): number {
  const me = s.memberId;
  // Our own certificates count only where the host would take them: where its document
  // prefers us (one we made preferred alone would be refused, and waited on for ever).
  let preferredByHost: boolean | undefined;
  const ours = (): boolean =>
    (preferredByHost ??= (
      s.o.app.preferredHosts?.((path) => valueAt(next, path), s.identity!.sessionId) ?? []
    ).includes(me!));
  return certsToShow(s).filter(
    (c) =>
      (c.by !== me || ours()) &&
      next.baton?.members?.[c.by] !== undefined &&
      s.replica!.hasHeads(c.heads) &&
      !Automerge.hasHeads(next, c.heads),
  ).length;
}

/**
 * Write the certificates kept, when they changed: before this copy tells its host which
 * heads it holds (an ack may rest on them, and a later host takes them only with their
 * certificate). Not synced to the disk on its own — a process that dies leaves it in the
 * operating system's hands, which write it; only a power cut in the seconds after can lose
 * the newest, and then the changes since the last one written are the ones refused.
 */
export function saveCerts<S>(s: SessionState<S>, store: WriteSink): void {
  if (!s.certsDirty) return;
  s.certsDirty = false;
  store.save(CERTS_KEY, Buffer.from(JSON.stringify(certsToShow(s))), false);
}

/** The certificates in a stored CERTS_KEY blob (entries the wire's schema refuses skipped); throws on a file that is not a list. */
export function parseCerts(raw: Uint8Array | null): HeadsCert[] {
  if (!raw) return [];
  const list = JSON.parse(Buffer.from(raw).toString('utf8')) as unknown;
  if (!Array.isArray(list)) throw new Error('not a list of certificates');
  return list.flatMap((c) => {
    const r = headsCertSchema.safeParse(c);
    return r.success ? [r.data] : [];
  });
}

/**
 * Host: the heads `certs` vouch for, shown by the member on `device`: certificates by a
 * member's device other than the sender's, or by a preferred (staff) member, whose
 * signature checks out.
 */
export function vouchedHeads<S>(
  s: SessionState<S>,
  device: DeviceId,
  certs: readonly HeadsCert[],
): Set<string> {
  const heads = new Set<string>();
  const replica = s.replica!;
  const session = s.identity!.sessionId;
  for (const c of certs) {
    const signer = replica.deviceOf(c.by);
    if (!signer) continue;
    if (signer === device && !s.election?.seats.isPreferred(c.by)) continue;
    if (!s.checkedCerts.has(c.sig)) {
      if (!s.o.signer.verify(signer, c.key, certText(session, c.epoch, c.by, c.heads), c.sig))
        continue;
      s.checkedCerts.add(c.sig);
      if (s.checkedCerts.size > CHECKED_MAX)
        s.checkedCerts.delete(s.checkedCerts.values().next().value!);
    }
    for (const h of c.heads) heads.add(h);
  }
  return heads;
}

/**
 * Of `fresh` (changes new to this copy, with their dependencies), those that are ancestors
 * of `vouched` heads, walking dependencies within `fresh`.
 */
export function coveredChanges(
  fresh: readonly { hash: string; deps: readonly string[] }[],
  vouched: ReadonlySet<string>,
): Set<string> {
  const byHash = new Map(fresh.map((f) => [f.hash, f]));
  const covered = new Set<string>();
  const stack = [...vouched].filter((h) => byHash.has(h));
  while (stack.length > 0) {
    const h = stack.pop()!;
    if (covered.has(h)) continue;
    covered.add(h);
    for (const d of byHash.get(h)!.deps) if (byHash.has(d) && !covered.has(d)) stack.push(d);
  }
  return covered;
}
