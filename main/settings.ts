import Store from 'electron-store';
import type { Prefs } from '../core/api/contract';

/** One session this laptop took part in, newest first in `recentSessions`. */
export interface RecentSession {
  sessionId: string;
  name: string;
  memberId: string | null;
  lastSeen: number;
}

export interface Bounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export interface SettingsData {
  /** This copy's display name. */
  name: string;
  recentSessions: RecentSession[];
  windowBounds: Bounds | null;
  prefs: Partial<Prefs>;
}

const MAX_RECENT = 10;

/** The app's settings in electron-store: name, recent sessions, window bounds, toggles. */
export class Settings {
  private readonly store: Store<SettingsData>;

  constructor(cwd?: string) {
    this.store = new Store<SettingsData>({
      name: 'settings',
      ...(cwd ? { cwd } : {}),
      defaults: { name: '', recentSessions: [], windowBounds: null, prefs: {} },
      // A hand-edited or corrupt file must not stop the app: bad values fall back.
      clearInvalidConfig: true,
    });
  }

  get path(): string {
    return this.store.path;
  }

  get name(): string {
    const n = this.store.get('name');
    return typeof n === 'string' ? n : '';
  }

  set name(n: string) {
    this.store.set('name', n);
  }

  get prefs(): Partial<Prefs> {
    return this.store.get('prefs') ?? {};
  }

  set prefs(p: Partial<Prefs>) {
    this.store.set('prefs', p);
  }

  get windowBounds(): Bounds | null {
    const b = this.store.get('windowBounds');
    return b && b.width > 200 && b.height > 200 ? b : null;
  }

  set windowBounds(b: Bounds | null) {
    this.store.set('windowBounds', b);
  }

  get recentSessions(): RecentSession[] {
    const r = this.store.get('recentSessions');
    return Array.isArray(r) ? r : [];
  }

  /** Remember a session this copy is in (called on every role change). */
  noteSession(s: { sessionId: string; name: string; memberId: string | null }, now: number): void {
    const prev = this.recentSessions.find((r) => r.sessionId === s.sessionId);
    if (
      prev &&
      prev.name === s.name &&
      prev.memberId === s.memberId &&
      now - prev.lastSeen < 60_000
    )
      return;
    const rest = this.recentSessions.filter((r) => r.sessionId !== s.sessionId);
    this.store.set('recentSessions', [{ ...s, lastSeen: now }, ...rest].slice(0, MAX_RECENT));
  }
}
