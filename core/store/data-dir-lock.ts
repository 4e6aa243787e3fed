import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * One process per data dir. Two copies on one data dir would be one device and one member
 * twice — a split brain made by hand. The lock is proper-lockfile's (an atomic mkdir whose
 * mtime the holder refreshes every `UPDATE_MS`; released on exit, even on a signal), with
 * the holder's pid beside it so a second start names it. A lock left by a killed process
 * never blocks the next start: its pid no longer runs (or, on another host, the lock is
 * older than `STALE_MS`), so it is taken over at once.
 */
const LOCK = 'baton.lock';
const OWNER = 'baton.lock.owner';
const STALE_MS = 10_000;
const UPDATE_MS = 2_000;

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: number;
}

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    readonly owner: LockOwner | null,
  ) {
    super(
      `${dir} is in use by another Baton` +
        (owner
          ? ` (process ${owner.pid} on ${owner.host}, since ${new Date(owner.startedAt).toISOString()})`
          : '') +
        '. One process per data directory: quit that one first, or give this one its own --data-dir.',
    );
  }
}

export class DataDirLock {
  private released = false;

  private constructor(
    readonly dir: string,
    private readonly release: () => void,
  ) {}

  /** Take `dir` for this process, or throw DataDirLockedError naming the holder. */
  static take(dir: string, log: (line: string) => void = () => {}): DataDirLock {
    fs.mkdirSync(dir, { recursive: true });
    const options = {
      lockfilePath: path.join(dir, LOCK),
      realpath: false,
      stale: STALE_MS,
      update: UPDATE_MS,
      // The refresh fell behind (a machine asleep for longer than STALE_MS): say so, keep
      // running. Another process could only have taken the dir in that window.
      onCompromised: (e: Error) => log(`data dir lock: ${e.message}`),
    };
    let release: () => void;
    try {
      release = lockfile.lockSync(dir, options);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      const owner = readOwner(dir);
      if (owner && owner.host === os.hostname() && owner.pid !== process.pid && alive(owner.pid))
        throw new DataDirLockedError(dir, owner);
      // No owner yet (it is writing it this instant) or another host's: the lock's own
      // staleness (STALE_MS without a refresh) is the only evidence, and lockSync used it.
      if (!owner || owner.host !== os.hostname()) throw new DataDirLockedError(dir, owner);
      // Left by a process that no longer runs (kill -9, a crash, a power cut): take it over.
      log(`data dir lock of process ${owner.pid} is stale (not running): taking it over`);
      fs.rmSync(path.join(dir, LOCK), { recursive: true, force: true });
      release = lockfile.lockSync(dir, options);
    }
    const me: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: Date.now() };
    fs.writeFileSync(path.join(dir, OWNER), JSON.stringify(me));
    return new DataDirLock(dir, release);
  }

  /** Give the dir back (at shutdown; on exit it is given back anyway). */
  unlock(): void {
    if (this.released) return;
    this.released = true;
    try {
      this.release();
    } catch {
      // Already gone (compromised, or removed by hand): nothing to give back.
    }
  }
}

function readOwner(dir: string): LockOwner | null {
  try {
    const o = JSON.parse(fs.readFileSync(path.join(dir, OWNER), 'utf8')) as LockOwner;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? o : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
