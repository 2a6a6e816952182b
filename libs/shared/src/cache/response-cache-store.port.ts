/** DI token for the ResponseCacheStore adapter. */
export const RESPONSE_CACHE_STORE = Symbol('RESPONSE_CACHE_STORE');

/**
 * Where cached responses live: opaque serialized entries by key. Adapters: Redis (shared by replicas) and an
 * in-memory LRU (embedded mode). Errors are thrown; callers decide to fail open.
 */
export interface ResponseCacheStore {
  /** Which backend this is, for logs ('redis' | 'memory'). */
  readonly kind: string;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlS: number): Promise<void>;
  /** Resolves true once connected (false after timeoutMs); stores without a connection resolve true at once. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}
