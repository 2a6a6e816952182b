import type { CacheStoreUsage, ResponseCacheStore, StoreKeyFilter } from '@lessllm/shared';
import { storeKeyMatcher } from '@lessllm/shared';

interface Entry {
  value: string;
  bytes: number;
  expiresAt: number;
}

/** In-process LRU bounded by total bytes (embedded mode); expired entries are dropped when read or evicted. */
export class MemoryResponseCacheStore implements ResponseCacheStore {
  readonly kind = 'memory';
  /** Map order is recency order: the first key is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(
    private readonly maxTotalBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  get totalBytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Promise<string | null> {
    const entry = this.entries.get(key);
    if (!entry) return Promise.resolve(null);
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.total -= entry.bytes;
      return Promise.resolve(null);
    }
    this.entries.set(key, entry);
    return Promise.resolve(entry.value);
  }

  set(key: string, value: string, ttlS: number): Promise<void> {
    this.remove(key);
    const bytes = Buffer.byteLength(value) + Buffer.byteLength(key);
    if (bytes > this.maxTotalBytes) return Promise.resolve();
    this.entries.set(key, { value, bytes, expiresAt: this.now() + ttlS * 1000 });
    this.total += bytes;
    for (const oldest of this.entries.keys()) {
      if (this.total <= this.maxTotalBytes) break;
      this.remove(oldest);
    }
    return Promise.resolve();
  }

  delete(key: string): Promise<boolean> {
    const entry = this.entries.get(key);
    this.remove(key);
    return Promise.resolve(entry !== undefined && entry.expiresAt > this.now());
  }

  usage(filter: StoreKeyFilter): Promise<CacheStoreUsage> {
    const matches = storeKeyMatcher(filter);
    const now = this.now();
    let entries = 0;
    let bytes = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now || !matches(key)) continue;
      entries++;
      bytes += entry.bytes;
    }
    return Promise.resolve({ entries, bytes, bytes_estimated: false });
  }

  purge(filter: StoreKeyFilter): Promise<number> {
    const matches = storeKeyMatcher(filter);
    const now = this.now();
    let purged = 0;
    for (const [key, entry] of [...this.entries]) {
      if (!matches(key)) continue;
      if (entry.expiresAt > now) purged++;
      this.remove(key);
    }
    return Promise.resolve(purged);
  }

  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    this.entries.clear();
    this.total = 0;
    return Promise.resolve();
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
  }
}
