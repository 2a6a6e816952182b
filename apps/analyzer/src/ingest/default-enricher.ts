import type { AppLogger, LoadedConfig } from '@lessllm/shared';
import { findPrice } from '@lessllm/shared';
import { TokenCounter } from '@lessllm/tokens';
import { CachePredictor, InMemoryPrefixStore, createCallEnricher } from '../enrichment';
import { RedisPrefixStore } from '../repositories/redis-prefix-store';
import type { CallEnricher } from './call-enricher';

/**
 * Token counting, pricing (built-in table + `analyzer.prices` overrides) and provider prompt-cache prediction.
 * The prefix state lives in Redis when `analyzer.prefix_store_url` is set (shared by every analyzer replica),
 * otherwise in this process (right for embedded mode and a single analyzer).
 */
export function createDefaultEnricher(loaded: LoadedConfig, logger: AppLogger): CallEnricher {
  const url = loaded.config.analyzer.prefix_store_url;
  const redis = url ? new RedisPrefixStore(url) : null;
  const enricher = createCallEnricher({
    tokens: new TokenCounter(),
    predictor: new CachePredictor({ store: redis ?? new InMemoryPrefixStore() }),
    prices: findPrice,
    overrides: loaded.config.analyzer.prices,
    warn: (message) => logger.warn(message),
  });
  return { toRow: (event) => enricher.toRow(event), close: async () => redis?.close() };
}
