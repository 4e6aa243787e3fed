import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from './store';

/**
 * File-backed store: one file per key in a directory. `save` writes a temp file,
 * fsyncs it and renames it over the old one (atomic on POSIX), then fsyncs the
 * directory; `append` fsyncs the appended bytes before returning.
 */
export class FileStore implements Store {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  load(key: string): Uint8Array | null {
    try {
      return new Uint8Array(fs.readFileSync(this.file(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  save(key: string, bytes: Uint8Array, durable = true): void {
    const target = this.file(key);
    const tmp = `${target}.tmp-${process.pid}`;
    try {
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        writeAll(fd, bytes);
        if (durable) fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, target);
    } catch (e) {
      // A full disk: the old file stays whole; no half-written temp file is left behind.
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    if (durable) this.syncDir();
  }

  append(key: string, bytes: Uint8Array): void {
    const fd = fs.openSync(this.file(key), 'a', 0o600);
    const before = fs.fstatSync(fd).size;
    try {
      writeAll(fd, bytes);
      fs.fsyncSync(fd);
    } catch (e) {
      // Cut a partial append off again: the file ends on a whole chunk or not at all.
      try {
        fs.ftruncateSync(fd, before);
      } catch {
        // the file keeps a torn tail; loading it moves it aside (see Peer)
      }
      throw e;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Move a file that could not be read out of the way (never deleted); its new name. */
  moveAside(key: string, why: string): string {
    const aside = `${key}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(this.file(key), path.join(this.dir, aside));
    fs.writeFileSync(path.join(this.dir, `${aside}.why.txt`), `${why}\n`);
    return path.join(this.dir, aside);
  }

  remove(key: string): void {
    fs.rmSync(this.file(key), { force: true });
    this.syncDir();
  }

  private file(key: string): string {
    if (!/^[a-z0-9._-]+$/i.test(key)) throw new Error(`invalid store key: ${key}`);
    return path.join(this.dir, key);
  }

  /** Whether the directory takes writes: the error (EROFS, EACCES, ENOSPC) if not. */
  static probe(dir: string): NodeJS.ErrnoException | null {
    try {
      fs.mkdirSync(dir, { recursive: true });
      const probe = path.join(dir, `.write-probe-${process.pid}`);
      fs.writeFileSync(probe, 'ok');
      fs.rmSync(probe, { force: true });
      return null;
    } catch (e) {
      return e as NodeJS.ErrnoException;
    }
  }

  private syncDir(): void {
    const fd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Write every byte (a short write is retried; an error such as ENOSPC is thrown). */
function writeAll(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.byteLength) at += fs.writeSync(fd, bytes, at, bytes.byteLength - at);
}
