import type { AppLogger, RouterConfig } from '@lessllm/shared';
import { FeaturesClassifier, LlmClassifier, watchWeights, type Classifier } from '../classifiers';
import { llmCompletion } from './llm-completion';

export interface ClassifierHandle {
  /** Null for cascade: it always starts with the cheapest tier and needs no classifier. */
  classifier: Classifier | null;
  close(): void;
}

/** router.classifier → a classifier (trained: the weights file, reloaded when it changes). */
export function createClassifier(config: RouterConfig, logger: AppLogger): ClassifierHandle {
  switch (config.classifier) {
    case 'features':
      return { classifier: new FeaturesClassifier(), close: () => undefined };
    case 'cascade':
      return { classifier: null, close: () => undefined };
    case 'trained': {
      const watcher = watchWeights(config.weights_file!, {
        onReload: (w) =>
          logger.info({ weights_file: config.weights_file, trained_at: w.trainedAt }, 'router weights reloaded'),
        onError: (err) =>
          logger.warn(
            { err: err.message },
            'router weights file changed but cannot be used; keeping the previous weights',
          ),
      });
      return { classifier: watcher.classifier, close: () => watcher.close() };
    }
    case 'llm': {
      const llm = config.llm!;
      const classifier = new LlmClassifier({
        complete: llmCompletion({
          baseUrl: llm.base_url,
          apiKey: llm.api_key,
          model: llm.model,
          timeoutMs: llm.timeout_ms,
        }),
        cacheSize: llm.cache_size,
      });
      return { classifier, close: () => undefined };
    }
  }
}
