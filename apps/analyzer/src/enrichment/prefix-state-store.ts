/** What the predictor remembers about one cached prefix. Times are event (call start) times, not wall-clock. */
export interface PrefixEntry {
  /** Prompt tokens covered by the prefix (estimated). */
  tokens: number;
  /** When the provider's cache entry becomes readable: after the writing call's response began (§2.9). */
  available_at_ms: number;
  /** When the entry expires unless refreshed by a later call. */
  expires_at_ms: number;
  /** The entry's TTL, used when a hit refreshes it. */
  ttl_ms: number;
}

/**
 * Prefix state shared by analyzer instances. `ttlMs` is how long the store must keep the entry (wall clock);
 * the predictor additionally checks `expires_at_ms` against event time. A Redis implementation comes later.
 */
export interface PrefixStateStore {
  get(key: string): Promise<PrefixEntry | null>;
  set(key: string, entry: PrefixEntry, ttlMs: number): Promise<void>;
}

export interface InMemoryPrefixStoreOptions {
  /** Entries kept at most; the least recently used go first (default 200,000, roughly 40–60 MB). */
  maxEntries?: number;
  now?: () => number;
}

/** A bounded LRU map (Map insertion order = recency) with per-entry wall-clock expiry. */
export class InMemoryPrefixStore implements PrefixStateStore {
  private readonly entries = new Map<string, { entry: PrefixEntry; dropAt: number }>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: InMemoryPrefixStoreOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 200_000);
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Promise<PrefixEntry | null> {
    const slot = this.entries.get(key);
    if (!slot) return Promise.resolve(null);
    this.entries.delete(key);
    if (slot.dropAt <= this.now()) return Promise.resolve(null);
    this.entries.set(key, slot);
    return Promise.resolve(slot.entry);
  }

  set(key: string, entry: PrefixEntry, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { entry, dropAt: this.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return Promise.resolve();
  }
}
