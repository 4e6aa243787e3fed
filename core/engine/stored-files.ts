import type { Store } from '../store/store';

/**
 * The driver's side of the store at start: each file read and parsed once; a file that
 * does not parse (truncated by a power cut, damaged) is moved aside — never deleted —
 * with a log line, and the copy goes on without it (the session comes back from the room).
 */
export class StoredFiles {
  /** What was found unreadable, why, and where it went. */
  readonly unreadable: { key: string; why: string; movedTo: string }[] = [];

  constructor(
    private readonly store: Store,
    private readonly log?: (line: string) => void,
  ) {}

  read<T>(key: string, parse: (raw: Uint8Array | null) => T, fallback: T): T {
    try {
      return parse(this.store.load(key));
    } catch (e) {
      this.moveAside(key, `${key} could not be read: ${(e as Error).message}`);
      return fallback;
    }
  }

  moveAside(key: string, why: string): void {
    try {
      const movedTo = this.store.moveAside(key, why);
      this.unreadable.push({ key, why, movedTo });
      this.log?.(`${why}; moved aside to ${movedTo}`);
    } catch (e) {
      this.log?.(`${why}; could not move it aside either: ${(e as Error).message}`);
    }
  }
}
