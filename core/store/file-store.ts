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
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, bytes);
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
    if (durable) this.syncDir();
  }

  append(key: string, bytes: Uint8Array): void {
    const fd = fs.openSync(this.file(key), 'a', 0o600);
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  remove(key: string): void {
    fs.rmSync(this.file(key), { force: true });
    this.syncDir();
  }

  private file(key: string): string {
    if (!/^[a-z0-9._-]+$/i.test(key)) throw new Error(`invalid store key: ${key}`);
    return path.join(this.dir, key);
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
