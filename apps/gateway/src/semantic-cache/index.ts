export { splitRequest, userText, type ChatMessageLike, type SemanticRequest, type SplitRequest } from './context-key';
export { cosine, l2Normalize, type Embedder } from './embedder';
export { checkGuards, codeSignature, hasNegation, numberSignature, type GuardName, type GuardResult } from './guards';
export { detectLanguage } from './language';
export { LexicalEmbedder, type LexicalEmbedderOptions } from './lexical-embedder';
export { DEFAULT_LSH, HyperplaneLsh, type LshOptions } from './lsh';
export { MemorySemanticIndex, type MemorySemanticIndexOptions } from './memory-semantic-index';
export {
  OpenAICompatibleEmbedder,
  parseEmbeddingsResponse,
  type OpenAICompatibleEmbedderOptions,
} from './openai-compatible-embedder';
export {
  DEFAULT_SEMANTIC_THRESHOLD,
  SemanticCache,
  type SemanticCacheOptions,
  type SemanticLookup,
} from './semantic-cache';
export {
  DEFAULT_INDEX_LIMITS,
  type SemanticEntry,
  type SemanticIndex,
  type SemanticIndexLimits,
  type SemanticMatch,
  type SemanticSearchOptions,
} from './semantic-index';
