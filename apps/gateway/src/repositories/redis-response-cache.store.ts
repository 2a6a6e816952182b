import type { ResponseCacheStore } from '@lessllm/shared';
import Redis from 'ioredis';

/**
 * Cached responses in Redis, shared by gateway replicas. No offline queue and no per-command retries: when
 * Redis is down a command fails at once and the caller goes to the provider instead of waiting.
 */
export class RedisResponseCacheStore implements ResponseCacheStore {
  readonly kind = 'redis';
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
    onError: (err: Error) => void,
  ) {
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 5000),
    });
    this.redis.on('error', onError);
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.prefix + key);
  }

  async set(key: string, value: string, ttlS: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'EX', ttlS);
  }

  async ready(timeoutMs: number): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
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

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}
