import type { StoreKeyFilter } from './store-key';

/** DI token for the ResponseCacheStore adapter. */
export const RESPONSE_CACHE_STORE = Symbol('RESPONSE_CACHE_STORE');

/** Size of a selection of entries (admin stats). */
export interface CacheStoreUsage {
  entries: number;
  /** Bytes the entries take in the store (key + value + the store's own overhead where it reports it). */
  bytes: number;
  /** True when `bytes` is extrapolated from a sample of the entries (large Redis selections). */
  bytes_estimated: boolean;
}

/**
 * Where cached responses live: opaque serialized entries by key (see store-key.ts for the key layout).
 * Adapters: Redis (shared by replicas) and an in-memory LRU (embedded mode). Errors are thrown; callers
 * decide to fail open.
 */
export interface ResponseCacheStore {
  /** Which backend this is, for logs ('redis' | 'memory'). */
  readonly kind: string;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlS: number): Promise<void>;
  /** Deletes one entry; resolves to whether it existed. */
  delete(key: string): Promise<boolean>;
  /** Entries and bytes selected by the filter (admin; walks the keyspace, not for the request path). */
  usage(filter: StoreKeyFilter): Promise<CacheStoreUsage>;
  /** Deletes the selected entries; resolves to how many were deleted. */
  purge(filter: StoreKeyFilter): Promise<number>;
  /** Resolves true once connected (false after timeoutMs); stores without a connection resolve true at once. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}
