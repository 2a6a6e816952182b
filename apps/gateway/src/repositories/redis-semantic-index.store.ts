import type Redis from 'ioredis';
import { closeRedis, failFastRedis } from './fail-fast-redis';
import { RedisSemanticIndex, type RedisSemanticIndexOptions } from './redis-semantic-index';

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
    this.redis = failFastRedis(url, onError);
    this.index = new RedisSemanticIndex(this.redis, options);
    // After each (re)connect: a restarted Redis has an empty script cache; saves the first write a round trip.
    this.redis.on('ready', () => {
      this.index.loadScripts().catch(() => undefined);
    });
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
