import type { AnthropicUsage, OpenAIUsage } from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import { normalizeAnthropicUsage, normalizeOpenAIUsage } from '../testing/legacy-api';

describe('normalizeOpenAIUsage', () => {
  it('keeps prompt tokens (cached included) and reads the detail fields', () => {
    const usage: OpenAIUsage = {
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0, cache_write_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 0 },
    };
    expect(normalizeOpenAIUsage(usage)).toEqual({
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      cached_tokens: 1920,
      cache_creation_tokens: 64,
      reasoning_tokens: 192,
    });
  });

  it('uses null reasoning and zero cache counts when details are missing, and derives a missing total', () => {
    const usage = { prompt_tokens: 10, completion_tokens: 5 } as OpenAIUsage;
    expect(normalizeOpenAIUsage(usage)).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      cached_tokens: 0,
      cache_creation_tokens: 0,
      reasoning_tokens: null,
    });
  });
});

describe('normalizeAnthropicUsage', () => {
  it('adds cache reads and writes to the prompt count', () => {
    const usage: AnthropicUsage = {
      input_tokens: 100,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 200,
      output_tokens: 50,
      service_tier: 'standard',
    };
    expect(normalizeAnthropicUsage(usage)).toEqual({
      prompt_tokens: 1300,
      completion_tokens: 50,
      total_tokens: 1350,
      cached_tokens: 1000,
      cache_creation_tokens: 200,
      reasoning_tokens: null,
    });
  });

  it('falls back to the per-TTL cache write split, and treats nulls and garbage as zero', () => {
    const usage = {
      input_tokens: 7,
      output_tokens: 3,
      cache_read_input_tokens: null,
      cache_creation: { ephemeral_5m_input_tokens: 40, ephemeral_1h_input_tokens: 60 },
    } as AnthropicUsage;
    expect(normalizeAnthropicUsage(usage)).toMatchObject({
      prompt_tokens: 107,
      cached_tokens: 0,
      cache_creation_tokens: 100,
    });
    expect(normalizeAnthropicUsage({ input_tokens: Number.NaN, output_tokens: -4 })).toMatchObject({
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
    });
  });
});

describe('DeepSeek usage', () => {
  it('reads prompt_cache_hit_tokens as cached tokens', () => {
    const u = normalizeOpenAIUsage({
      prompt_tokens: 1000,
      completion_tokens: 10,
      total_tokens: 1010,
      prompt_cache_hit_tokens: 768,
      prompt_cache_miss_tokens: 232,
    });
    expect(u.cached_tokens).toBe(768);
    expect(u.prompt_tokens).toBe(1000);
  });
});
