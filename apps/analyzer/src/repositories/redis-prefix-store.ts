import Redis from 'ioredis';
import type { PrefixEntry, PrefixStateStore } from '../enrichment';

/**
 * Prefix state in Redis, so every analyzer replica sees the prompts the others consumed (the cache a
 * provider keeps is shared by all of a tenant's calls, whichever replica records them).
 */
export class RedisPrefixStore implements PrefixStateStore {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly namespace = 'lessllm:prefix:',
  ) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  }

  async get(key: string): Promise<PrefixEntry | null> {
    const raw = await this.redis.get(this.namespace + key);
    return raw ? (JSON.parse(raw) as PrefixEntry) : null;
  }

  async set(key: string, entry: PrefixEntry, ttlMs: number): Promise<void> {
    await this.redis.set(this.namespace + key, JSON.stringify(entry), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
