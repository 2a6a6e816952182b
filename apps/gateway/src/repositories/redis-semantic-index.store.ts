import Redis from 'ioredis';
import { RedisSemanticIndex, type RedisSemanticIndexOptions } from '../semantic-cache';

/**
 * The semantic cache's vector index in Redis, on its own connection, shared by gateway replicas. Same
 * connection policy as the exact cache's store: no offline queue and no retries, so a lookup fails at once
 * when Redis is down and the call goes to the provider.
 */
export class RedisSemanticIndexStore {
  readonly kind = 'redis';
  readonly index: RedisSemanticIndex;
  private readonly redis: Redis;

  constructor(url: string, options: RedisSemanticIndexOptions, onError: (err: Error) => void) {
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 5000),
    });
    this.redis.on('error', onError);
    this.index = new RedisSemanticIndex(this.redis, options);
    // After each (re)connect: a restarted Redis has an empty script cache; saves the first write a round trip.
    this.redis.on('ready', () => {
      this.index.loadScripts().catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}
