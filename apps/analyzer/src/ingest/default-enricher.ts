import type { AppLogger, LoadedConfig } from '@lessllm/shared';
import { findPrice } from '@lessllm/shared';
import { CachePredictor, InMemoryPrefixStore, TokenCounter, createCallEnricher } from '../enrichment';
import type { CallEnricher } from './call-enricher';

/**
 * Token counting, pricing (built-in table + `analyzer.prices` overrides) and provider prompt-cache prediction.
 * The prefix state is per process: with several analyzer replicas each sees only the calls it consumes, so
 * predictions are lower bounds there (a shared store is the PrefixStateStore port's job; not built yet).
 */
export function createDefaultEnricher(loaded: LoadedConfig, logger: AppLogger): CallEnricher {
  return createCallEnricher({
    tokens: new TokenCounter(),
    predictor: new CachePredictor({ store: new InMemoryPrefixStore() }),
    prices: findPrice,
    overrides: loaded.config.analyzer.prices,
    warn: (message) => logger.warn(message),
  });
}
