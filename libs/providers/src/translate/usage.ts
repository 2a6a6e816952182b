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
