import { normalizeModelId, stripDateSuffix } from '@lessllm/shared';
import { encodingForModel } from '@lessllm/tokens';

export type CacheMechanism = 'automatic' | 'explicit' | 'none';
export type CacheFamily = 'openai' | 'anthropic' | 'gemini' | 'deepseek';

export interface CachePolicy {
  mechanism: CacheMechanism;
  family: CacheFamily | null;
  /** Shortest prefix (estimated tokens) the provider caches. */
  minTokens: number;
  /** Default TTL of automatic caches (explicit ones carry their own: 5m or 1h). */
  ttlMs: number;
}

export interface CachePolicyOptions {
  /** TTLs of the automatic caches (defaults: OpenAI/Azure 5 min, Gemini 5 min, DeepSeek 1 h). */
  ttlMs?: Partial<Record<'openai' | 'gemini' | 'deepseek', number>>;
  /** Minimum cacheable tokens by model-id prefix, merged over the defaults below. */
  anthropicMinTokens?: Readonly<Record<string, number>>;
  /** Same for Gemini; 0 = no implicit caching for that family. */
  geminiMinTokens?: Readonly<Record<string, number>>;
}

const MINUTE = 60_000;
export const DEFAULT_CACHE_TTL_MS = { openai: 5 * MINUTE, gemini: 5 * MINUTE, deepseek: 60 * MINUTE } as const;

/** OpenAI / Azure: 1,024 tokens, hits in 128-token steps (§4.1, §4.5). */
export const OPENAI_MIN_CACHED_TOKENS = 1_024;
/**
 * DeepSeek caches from token 0 in small units (64 tokens in the old guide, "prefix units" ≈ 128-token blocks in
 * the 2026 one ⚠, §4.4); we predict at our 128-token checkpoint granularity, so one checkpoint is the minimum.
 */
export const DEEPSEEK_MIN_CACHED_TOKENS = 128;

/**
 * Anthropic minimum cacheable prompt by model (§2.9, Jan-2026 docs). Sonnet 4.6 conflicts across sources (1024 vs
 * 2048): we take 2048, the conservative choice (fewer predicted hits). Opus 5 (512 ⚠) is left at the default.
 */
export const ANTHROPIC_MIN_TOKENS: Readonly<Record<string, number>> = {
  'claude-opus-4-5': 4_096,
  'claude-opus-4-6': 4_096,
  'claude-opus-4-7': 4_096,
  'claude-opus-4-8': 4_096,
  'claude-haiku-4-5': 4_096,
  'claude-sonnet-4-6': 2_048,
  'claude-3-5-haiku': 2_048,
  'claude-3-haiku': 2_048,
};
export const ANTHROPIC_DEFAULT_MIN_TOKENS = 1_024;

/**
 * Gemini implicit caching minimums (§4.3). The sources disagree (2.5 Flash: 1024 → 2048; 2.5 Pro: 2048 / 4096;
 * 3.x: 4096); we use the most recent doc copies (2026-05/07). Implicit caching exists from Gemini 2.5 on, so 2.0
 * and 1.5 get 0 (no caching). Unknown Gemini models: 4096. Overridable through options.
 */
export const GEMINI_MIN_TOKENS: Readonly<Record<string, number>> = {
  'gemini-2.5-flash': 2_048,
  'gemini-2.5-pro': 2_048,
  'gemini-3': 4_096,
  'gemini-2.0': 0,
  'gemini-1.5': 0,
  'gemini-1.0': 0,
};
export const GEMINI_DEFAULT_MIN_TOKENS = 4_096;

function byLongestPrefix(table: Readonly<Record<string, number>>, id: string, fallback: number): number {
  let best: string | null = null;
  for (const key of Object.keys(table)) {
    if (id.startsWith(key) && (best === null || key.length > best.length)) best = key;
  }
  return best === null ? fallback : table[best];
}

const NONE: CachePolicy = { mechanism: 'none', family: null, minTokens: 0, ttlMs: 0 };

/**
 * Which provider-side cache applies. `providerType` is the configured type (openai | anthropic | azure | gemini);
 * names cover OpenAI-compatible providers (`deepseek`, `my-deepseek`). Unknown OpenAI-compatible providers are
 * assumed to cache like OpenAI (automatic prefix caching, as vLLM-style servers do) ⚠.
 */
export function cachePolicyFor(
  provider: string,
  providerType: string | null,
  model: string,
  options: CachePolicyOptions = {},
): CachePolicy {
  const type = providerType?.toLowerCase() ?? null;
  const name = provider.toLowerCase();
  const id = stripDateSuffix(normalizeModelId(model));
  const ttl = { ...DEFAULT_CACHE_TTL_MS, ...options.ttlMs };

  if (type === 'anthropic' || (type === null && (name.includes('anthropic') || id.startsWith('claude')))) {
    const table = { ...ANTHROPIC_MIN_TOKENS, ...options.anthropicMinTokens };
    const minTokens = byLongestPrefix(table, id, ANTHROPIC_DEFAULT_MIN_TOKENS);
    return { mechanism: 'explicit', family: 'anthropic', minTokens, ttlMs: 5 * MINUTE };
  }
  // Claude behind an OpenAI-type provider = Anthropic's OpenAI-compatible endpoint: no prompt caching (§2.10).
  if (id.startsWith('claude')) return NONE;
  if (type === 'gemini' || name.includes('gemini') || name.includes('google') || id.startsWith('gemini')) {
    const table = { ...GEMINI_MIN_TOKENS, ...options.geminiMinTokens };
    const minTokens = byLongestPrefix(table, id, GEMINI_DEFAULT_MIN_TOKENS);
    return minTokens > 0 ? { mechanism: 'automatic', family: 'gemini', minTokens, ttlMs: ttl.gemini } : NONE;
  }
  if (name.includes('deepseek') || id.startsWith('deepseek')) {
    return { mechanism: 'automatic', family: 'deepseek', minTokens: DEEPSEEK_MIN_CACHED_TOKENS, ttlMs: ttl.deepseek };
  }
  // gpt-4 / gpt-3.5 / embeddings (cl100k models) predate prompt caching: gpt-4o and newer only (§4.1).
  const encoding = encodingForModel(id);
  if (encoding.exact && encoding.encoding === 'cl100k_base') return NONE;
  return { mechanism: 'automatic', family: 'openai', minTokens: OPENAI_MIN_CACHED_TOKENS, ttlMs: ttl.openai };
}
