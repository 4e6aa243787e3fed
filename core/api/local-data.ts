import type { Store } from '../store/store';
import { DEFAULT_PREFS, type Prefs } from './contract';

/** What one copy keeps for itself and never replicates: preferences, its last session, owner secrets. */

/** Where a copy keeps its preferences. */
export interface PrefsStore {
  get(): Partial<Prefs>;
  set(p: Prefs): void;
}

const SETTINGS_KEY = 'service.json';
const PREFS_KEY = 'prefs.json';
const SECRETS_KEY = 'owner-secrets.json';

function readJson<T>(store: Store | null, key: string, fallback: T): T {
  const raw = store?.load(key);
  if (!raw) return fallback;
  try {
    return JSON.parse(new TextDecoder().decode(raw)) as T;
  } catch {
    return fallback;
  }
}

function writeJson(store: Store, key: string, value: unknown): void {
  store.save(key, new TextEncoder().encode(JSON.stringify(value)));
}

/** This copy's settings: its preferences (validated, defaults filled in) and last session. */
export class LocalSettings {
  private readonly prefsStore: PrefsStore;

  constructor(
    private readonly settings: Store,
    prefs?: PrefsStore,
  ) {
    this.prefsStore = prefs ?? {
      get: () => readJson<Partial<Prefs>>(settings, PREFS_KEY, {}),
      set: (p) => writeJson(settings, PREFS_KEY, p),
    };
  }

  prefs(): Prefs {
    const stored = this.prefsStore.get();
    const out = { ...DEFAULT_PREFS };
    for (const k of Object.keys(DEFAULT_PREFS) as (keyof Prefs)[]) {
      const v = stored[k];
      if (typeof v === typeof DEFAULT_PREFS[k]) (out as Record<string, unknown>)[k] = v;
    }
    if (!['system', 'light', 'dark'].includes(out.theme)) out.theme = DEFAULT_PREFS.theme;
    return out;
  }

  setPrefs(change: Partial<Prefs>): Prefs {
    const next = { ...this.prefs(), ...change };
    this.prefsStore.set(next);
    return next;
  }

  lastSession(): string | null {
    return (
      readJson<{ sessionId?: string | null }>(this.settings, SETTINGS_KEY, {}).sessionId ?? null
    );
  }

  saveLastSession(sessionId: string | null): void {
    writeJson(this.settings, SETTINGS_KEY, { sessionId });
  }
}

/**
 * The owner secrets of the entries this copy created, in the session's own store: only
 * their holder (or staff) can change an entry.
 */
export class OwnerSecrets {
  constructor(private readonly store: Store | null) {}

  all(): Record<string, string> {
    return readJson<Record<string, string>>(this.store, SECRETS_KEY, {});
  }

  of(entryId: string): string | undefined {
    return this.all()[entryId];
  }

  save(entryId: string, secret: string): void {
    if (this.store) writeJson(this.store, SECRETS_KEY, { ...this.all(), [entryId]: secret });
  }

  drop(entryId: string): void {
    const all = this.all();
    delete all[entryId];
    if (this.store) writeJson(this.store, SECRETS_KEY, all);
  }
}
