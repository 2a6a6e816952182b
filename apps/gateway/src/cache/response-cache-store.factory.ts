import type { AppLogger, CacheConfig, ResponseCacheStore } from '@lessllm/shared';
import { MemoryResponseCacheStore } from '../repositories/memory-response-cache.store';
import { RedisResponseCacheStore } from '../repositories/redis-response-cache.store';
import { RateLimitedWarn } from './rate-limited-warn';

/** Redis when `cache.redis_url` is set, else the in-memory LRU (embedded mode). */
export function createResponseCacheStore(config: CacheConfig, logger: AppLogger): ResponseCacheStore {
  if (!config.redis_url) return new MemoryResponseCacheStore(config.exact.max_total_bytes);
  const warner = new RateLimitedWarn(logger);
  // Connection errors (Redis down) are logged here, rate-limited; the calls themselves fail open.
  return new RedisResponseCacheStore(config.redis_url, config.key_prefix, (err) =>
    warner.warn({ store: 'redis', err: err.message }, 'response cache: Redis unavailable'),
  );
}
