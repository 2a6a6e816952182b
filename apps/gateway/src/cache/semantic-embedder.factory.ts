import type { LessLLMConfig } from '@lessllm/shared';
import { LexicalEmbedder, type Embedder } from '../semantic-cache';
import type { ModelResolverService } from '../services/model-resolver.service';
import type { UpstreamClientService } from '../services/upstream-client.service';
import { ProviderEmbedder } from './provider-embedder';

/** DI token of the semantic cache's embedder. */
export const SEMANTIC_EMBEDDER = Symbol('SEMANTIC_EMBEDDER');

/** `cache.semantic.embedder`: the local lexical embedder (default) or an embeddings model through the gateway. */
export function createSemanticEmbedder(
  config: LessLLMConfig,
  resolver: ModelResolverService,
  upstream: UpstreamClientService,
): Embedder {
  const choice = config.cache.semantic.embedder;
  if (choice === 'lexical') return new LexicalEmbedder();
  // Fails at startup, not on the first call, when the model is not served.
  resolver.resolve(choice.model, 'embeddings');
  return new ProviderEmbedder(resolver, upstream, {
    model: choice.model,
    dimensions: choice.dimensions,
    timeoutMs: choice.timeout_ms,
  });
}

/** Extra time a semantic lookup may take for embedding, on top of cache.lookup_timeout_ms. */
export function embeddingBudgetMs(config: LessLLMConfig): number {
  const choice = config.cache.semantic.embedder;
  return choice === 'lexical' ? 0 : choice.timeout_ms;
}
