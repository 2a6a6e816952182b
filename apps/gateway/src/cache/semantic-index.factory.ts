import type { AppLogger, LessLLMConfig } from '@lessllm/shared';
import { RedisSemanticIndexStore } from '../repositories/redis-semantic-index.store';
import { MemorySemanticIndex, type SemanticIndex } from '../semantic-cache';
import { RateLimitedWarn } from './rate-limited-warn';

/** DI token of the semantic index (null when no alias has the semantic cache on). */
export const SEMANTIC_INDEX = Symbol('SEMANTIC_INDEX');

export interface SemanticIndexHandle {
  kind: string;
  index: SemanticIndex;
  close(): Promise<void>;
}

/** True when the semantic cache is on globally or for at least one alias. */
export function semanticCacheInUse(config: LessLLMConfig): boolean {
  if (!config.cache.exact.enabled) return false;
  if (config.cache.semantic.enabled) return true;
  return Object.values(config.models).some((alias) => alias.cache?.semantic === true);
}

/**
 * Same backend choice as the exact cache: Redis under `cache.key_prefix` + "sem:" when `cache.redis_url` is
 * set, else an in-memory index per process (embedded mode).
 */
export function createSemanticIndex(
  config: LessLLMConfig,
  dimensions: number,
  logger: AppLogger,
): SemanticIndexHandle | null {
  if (!semanticCacheInUse(config)) return null;
  const { semantic, redis_url, key_prefix } = config.cache;
  const limits = { ttlMs: semantic.ttl_s * 1000, maxPerBucket: semantic.max_per_bucket };
  if (!redis_url) {
    return { kind: 'memory', index: new MemorySemanticIndex(limits), close: () => Promise.resolve() };
  }
  const warner = new RateLimitedWarn(logger);
  const store = new RedisSemanticIndexStore(redis_url, { ...limits, dimensions, prefix: `${key_prefix}sem:` }, (err) =>
    warner.warn({ store: 'redis', err: err.message }, 'semantic cache: Redis unavailable'),
  );
  return { kind: store.kind, index: store.index, close: () => store.close() };
}
