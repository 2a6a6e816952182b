/** A stored last-turn: its vector, its text (for the guards) and the cached value (e.g. an exact-cache key). */
export interface SemanticEntry {
  id: string;
  text: string;
  value: string;
  vector: Float32Array;
}

export interface SemanticMatch {
  id: string;
  text: string;
  value: string;
  score: number;
}

export interface SemanticSearchOptions {
  /** Maximum matches returned, best first. */
  k: number;
  /** Matches below this cosine are dropped. */
  minScore: number;
}

/**
 * Port for nearest-neighbour search inside one bucket (a context hash). Implementations: in-memory
 * (embedded mode) and plain Redis 7 (shared by every replica). Entries expire by TTL and by a per-bucket cap.
 */
export interface SemanticIndex {
  add(bucket: string, entry: SemanticEntry): Promise<void>;
  search(bucket: string, vector: Float32Array, options: SemanticSearchOptions): Promise<SemanticMatch[]>;
}

export interface SemanticIndexLimits {
  /** Time to live of every entry (and every Redis key), ms. */
  ttlMs: number;
  /** Entries kept per bucket; the oldest are evicted first. */
  maxPerBucket: number;
}

export const DEFAULT_INDEX_LIMITS: SemanticIndexLimits = { ttlMs: 24 * 3600_000, maxPerBucket: 200_000 };
