import type { AnthropicUsage, OpenAIUsage } from '@lessllm/shared';
import { normalizeAnthropicUsage, normalizeOpenAIUsage } from './usage';

/** Anthropic usage in OpenAI's shape (providers.md §3.3). */
export function anthropicUsageToOpenAI(u: AnthropicUsage): OpenAIUsage {
  const n = normalizeAnthropicUsage(u);
  return {
    prompt_tokens: n.prompt_tokens,
    completion_tokens: n.completion_tokens,
    total_tokens: n.total_tokens,
    prompt_tokens_details: { cached_tokens: n.cached_tokens, cache_write_tokens: n.cache_creation_tokens },
  };
}

/**
 * OpenAI usage in Anthropic's shape. Cache writes are part of OpenAI's `prompt_tokens`, so they are subtracted
 * along with cache reads: Anthropic's `input_tokens + cache_read + cache_creation` must equal `prompt_tokens`.
 */
export function openaiUsageToAnthropic(u: OpenAIUsage): AnthropicUsage {
  const n = normalizeOpenAIUsage(u);
  return {
    input_tokens: Math.max(0, n.prompt_tokens - n.cached_tokens - n.cache_creation_tokens),
    output_tokens: n.completion_tokens,
    cache_creation_input_tokens: n.cache_creation_tokens,
    cache_read_input_tokens: n.cached_tokens,
  };
}
