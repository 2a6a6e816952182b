import { cosine } from './embedder';
import {
  DEFAULT_INDEX_LIMITS,
  type SemanticEntry,
  type SemanticIndex,
  type SemanticIndexLimits,
  type SemanticMatch,
  type SemanticSearchOptions,
} from './semantic-index';

interface Stored {
  entry: SemanticEntry;
  expiresAt: number;
}

export interface MemorySemanticIndexOptions extends Partial<SemanticIndexLimits> {
  /** Buckets kept; the least recently written bucket is dropped beyond it. */
  maxBuckets?: number;
  now?: () => number;
}

/** Exact (brute-force) cosine search per bucket, for the embedded single-process mode and tests. */
export class MemorySemanticIndex implements SemanticIndex {
  private readonly buckets = new Map<string, Map<string, Stored>>();
  private readonly limits: SemanticIndexLimits;
  private readonly maxBuckets: number;
  private readonly now: () => number;

  constructor(options: MemorySemanticIndexOptions = {}) {
    this.limits = { ...DEFAULT_INDEX_LIMITS, ...options };
    this.maxBuckets = options.maxBuckets ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  add(bucket: string, entry: SemanticEntry): Promise<void> {
    let entries = this.buckets.get(bucket);
    if (entries) this.buckets.delete(bucket);
    else entries = new Map();
    this.buckets.set(bucket, entries); // re-insert: most recently written bucket last
    entries.delete(entry.id);
    entries.set(entry.id, { entry, expiresAt: this.now() + this.limits.ttlMs });
    while (entries.size > this.limits.maxPerBucket) entries.delete(entries.keys().next().value as string);
    while (this.buckets.size > this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value as string);
    return Promise.resolve();
  }

  search(bucket: string, vector: Float32Array, options: SemanticSearchOptions): Promise<SemanticMatch[]> {
    const entries = this.buckets.get(bucket);
    if (!entries) return Promise.resolve([]);
    const now = this.now();
    const matches: SemanticMatch[] = [];
    for (const [id, stored] of entries) {
      if (stored.expiresAt <= now) {
        entries.delete(id);
        continue;
      }
      const score = cosine(vector, stored.entry.vector);
      if (score >= options.minScore) {
        matches.push({ id, text: stored.entry.text, value: stored.entry.value, score });
      }
    }
    if (entries.size === 0) this.buckets.delete(bucket);
    return Promise.resolve(matches.sort((a, b) => b.score - a.score).slice(0, options.k));
  }

  /** Entries currently held in a bucket (expired ones included until the next search). */
  size(bucket: string): number {
    return this.buckets.get(bucket)?.size ?? 0;
  }
}
