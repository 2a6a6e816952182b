import type { AnthropicUsage, NormalizedUsage, OpenAIUsage } from '@lessllm/shared';
import { tokenCount } from './guards';

export function normalizeOpenAIUsage(u: OpenAIUsage): NormalizedUsage {
  const prompt = tokenCount(u.prompt_tokens);
  const completion = tokenCount(u.completion_tokens);
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: tokenCount(u.total_tokens) || prompt + completion,
    // DeepSeek reports cache hits as prompt_cache_hit_tokens (also inside prompt_tokens) instead of the details field.
    cached_tokens: tokenCount(u.prompt_tokens_details?.cached_tokens ?? u.prompt_cache_hit_tokens),
    cache_creation_tokens: tokenCount(u.prompt_tokens_details?.cache_write_tokens),
    reasoning_tokens: typeof reasoning === 'number' ? tokenCount(reasoning) : null,
  };
}

/** Anthropic's `input_tokens` excludes cache reads and writes; the normalised prompt count includes both (§2.5). */
export function normalizeAnthropicUsage(u: AnthropicUsage): NormalizedUsage {
  const cacheRead = tokenCount(u.cache_read_input_tokens);
  const cacheCreation =
    u.cache_creation_input_tokens != null
      ? tokenCount(u.cache_creation_input_tokens)
      : tokenCount(u.cache_creation?.ephemeral_5m_input_tokens) +
        tokenCount(u.cache_creation?.ephemeral_1h_input_tokens);
  const prompt = tokenCount(u.input_tokens) + cacheRead + cacheCreation;
  const completion = tokenCount(u.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    cached_tokens: cacheRead,
    cache_creation_tokens: cacheCreation,
    reasoning_tokens: null, // Anthropic counts thinking inside output_tokens without breaking it out
  };
}

/** Normalised usage in OpenAI Chat's shape (providers.md §3.3). */
export function openaiUsageFrom(n: NormalizedUsage): OpenAIUsage {
  const usage: OpenAIUsage = {
    prompt_tokens: n.prompt_tokens,
    completion_tokens: n.completion_tokens,
    total_tokens: n.total_tokens,
    prompt_tokens_details: { cached_tokens: n.cached_tokens, cache_write_tokens: n.cache_creation_tokens },
  };
  if (n.reasoning_tokens !== null) usage.completion_tokens_details = { reasoning_tokens: n.reasoning_tokens };
  return usage;
}

/**
 * Normalised usage in Anthropic's shape. Cache writes are part of the normalised prompt count, so they are
 * subtracted along with cache reads: Anthropic's `input_tokens + cache_read + cache_creation` must equal it.
 */
export function anthropicUsageFrom(n: NormalizedUsage): AnthropicUsage {
  return {
    input_tokens: Math.max(0, n.prompt_tokens - n.cached_tokens - n.cache_creation_tokens),
    output_tokens: n.completion_tokens,
    cache_creation_input_tokens: n.cache_creation_tokens,
    cache_read_input_tokens: n.cached_tokens,
  };
}

export const ZERO_USAGE: NormalizedUsage = {
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  cached_tokens: 0,
  cache_creation_tokens: 0,
  reasoning_tokens: null,
};
