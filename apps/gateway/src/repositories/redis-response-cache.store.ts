import type { CacheStoreUsage, ResponseCacheStore, StoreKeyFilter } from '@lessllm/shared';
import { storeKeyPattern } from '@lessllm/shared';
import type Redis from 'ioredis';
import { closeRedis, failFastRedis } from './fail-fast-redis';

const SCAN_BATCH = 1000;
/** Keys whose MEMORY USAGE is read; bigger selections are extrapolated from this sample. */
const MEMORY_SAMPLE = 1000;

/** The configured key prefix is literal text: escape Redis glob characters in it. */
const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Cached responses in Redis, shared by gateway replicas, on a fail-fast connection (see fail-fast-redis.ts).
 */
export class RedisResponseCacheStore implements ResponseCacheStore {
  readonly kind = 'redis';
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
    onError: (err: Error) => void,
  ) {
    this.redis = failFastRedis(url, onError);
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.prefix + key);
  }

  async set(key: string, value: string, ttlS: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'EX', ttlS);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(this.prefix + key)) > 0;
  }

  async usage(filter: StoreKeyFilter): Promise<CacheStoreUsage> {
    let entries = 0;
    const sample: string[] = [];
    for await (const keys of this.scan(filter)) {
      entries += keys.length;
      for (const key of keys) if (sample.length < MEMORY_SAMPLE) sample.push(key);
    }
    if (sample.length === 0) return { entries: 0, bytes: 0, bytes_estimated: false };
    const p = this.redis.pipeline();
    for (const key of sample) p.memory('USAGE', key);
    let sampledBytes = 0;
    let measured = 0;
    for (const [err, bytes] of (await p.exec()) ?? []) {
      if (err || typeof bytes !== 'number') continue; // expired between SCAN and MEMORY USAGE
      sampledBytes += bytes;
      measured++;
    }
    const perEntry = measured === 0 ? 0 : sampledBytes / measured;
    return { entries, bytes: Math.round(perEntry * entries), bytes_estimated: entries > measured };
  }

  async purge(filter: StoreKeyFilter): Promise<number> {
    let purged = 0;
    for await (const keys of this.scan(filter)) {
      if (keys.length > 0) purged += await this.redis.unlink(...keys);
    }
    return purged;
  }

  /** Batches of the store's keys under this prefix matching the filter (SCAN: never blocks Redis for long). */
  private async *scan(filter: StoreKeyFilter): AsyncGenerator<string[]> {
    const match = escapeGlob(this.prefix) + storeKeyPattern(filter);
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', SCAN_BATCH);
      cursor = next;
      yield keys;
    } while (cursor !== '0');
  }

  /**
   * A PING answered within `timeoutMs`: the connection's state alone says "ready" for a blackholed Redis (the
   * socket stays open while nothing comes back), so readiness asks.
   */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    if (this.redis.status !== 'ready' && !(await this.connectedWithin(timeoutMs))) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(1, deadline - performance.now()));
    });
    try {
      return await Promise.race([this.redis.ping().then((pong) => pong === 'PONG'), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private connectedWithin(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.redis.on('ready', onReady);
    });
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
