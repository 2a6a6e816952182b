import type { ModelPrice, PriceFamily } from './price-types';

/**
 * Date of the price snapshot: providers.md §6 (LiteLLM's model_prices_and_context_window.json as mirrored on
 * 2026-07-24, cross-checked with Anthropic's Jan-2026 price table). Stored in every row as `price_version`.
 */
export const PRICE_TABLE_VERSION = '2026-07-24';

type PriceList = Readonly<Record<string, ModelPrice>>;

/** Same rates under several ids. */
function alias(ids: readonly string[], price: ModelPrice): Record<string, ModelPrice> {
  return Object.fromEntries(ids.map((id) => [id, price]));
}

/** USD per 1M tokens. Keys are model ids without a date suffix unless the dated id is priced differently. */
const OPENAI: PriceList = {
  ...alias(['gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'], {
    input: 2.5,
    cached_input: 1.25,
    output: 10,
  }),
  // No cached price listed for the first gpt-4o snapshot: cached tokens, if any, bill at the input price.
  'gpt-4o-2024-05-13': { input: 5, output: 15 },
  // ChatGPT's model in the API: its own list price (5 / 15, no cached price), not gpt-4o's (prices:check, 2026-12-06).
  'chatgpt-4o-latest': { input: 5, output: 15 },
  'gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6 },
  'gpt-4.1': { input: 2, cached_input: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cached_input: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cached_input: 0.025, output: 0.4 },
  o1: { input: 15, cached_input: 7.5, output: 60 },
  'o3-mini': { input: 1.1, cached_input: 0.55, output: 4.4 },
  o3: { input: 2, cached_input: 0.5, output: 8 },
  'o4-mini': { input: 1.1, cached_input: 0.275, output: 4.4 },
  'gpt-5': { input: 1.25, cached_input: 0.125, output: 10 },
  'gpt-5-mini': { input: 0.25, cached_input: 0.025, output: 2 },
  'gpt-5-nano': { input: 0.05, cached_input: 0.005, output: 0.4 },
  ...alias(['gpt-5.1', 'gpt-5.1-codex'], { input: 1.25, cached_input: 0.125, output: 10 }),
  'gpt-5.2': { input: 1.75, cached_input: 0.175, output: 14 },
  'gpt-5.4': {
    input: 2.5,
    cached_input: 0.25,
    output: 15,
    tier: { above_prompt_tokens: 272_000, input: 5, cached_input: 0.5, output: 22.5 },
  },
  'gpt-5.4-mini': { input: 0.75, cached_input: 0.075, output: 4.5 },
  'gpt-5.4-nano': { input: 0.2, cached_input: 0.02, output: 1.25 },
  'gpt-5.5': {
    input: 5,
    cached_input: 0.5,
    output: 30,
    tier: { above_prompt_tokens: 272_000, input: 10, cached_input: 1, output: 45 },
  },
  // First model with billed cache writes (§4.1). Above 272k prompt tokens cached input is 1.00 (OpenAI's pricing
  // page, checked 2026-12-06; the snapshot kept the base 0.50, under-billing long cached calls by ~16 %).
  'gpt-5.6': {
    input: 5,
    cached_input: 0.5,
    cache_write_5m: 6.25,
    output: 30,
    tier: { above_prompt_tokens: 272_000, input: 10, cached_input: 1, cache_write_5m: 12.5, output: 45 },
  },
  'gpt-5-pro': { input: 15, output: 120 },
  'o3-pro': { input: 20, output: 80 },
  'o1-pro': { input: 150, output: 600 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
  'text-embedding-ada-002': { input: 0.1, output: 0 },
  // Legacy list prices (no prompt caching).
  ...alias(['gpt-4', 'gpt-4-0613', 'gpt-4-0314'], { input: 30, output: 60 }),
  ...alias(['gpt-4-32k', 'gpt-4-32k-0613', 'gpt-4-32k-0314'], { input: 60, output: 120 }),
  ...alias(
    [
      'gpt-4-turbo',
      'gpt-4-turbo-2024-04-09',
      'gpt-4-turbo-preview',
      'gpt-4-1106-preview',
      'gpt-4-0125-preview',
      'gpt-4-vision-preview',
      'gpt-4-1106-vision-preview',
    ],
    { input: 10, output: 30 },
  ),
  // `gpt-35-turbo` is Azure's spelling.
  ...alias(['gpt-3.5-turbo', 'gpt-3.5-turbo-0125', 'gpt-35-turbo', 'gpt-35-turbo-0125'], { input: 0.5, output: 1.5 }),
  ...alias(['gpt-3.5-turbo-1106', 'gpt-35-turbo-1106'], { input: 1, output: 2 }),
};

const OPUS_4_5: ModelPrice = { input: 5, cached_input: 0.5, cache_write_5m: 6.25, cache_write_1h: 10, output: 25 };
const OPUS_4: ModelPrice = { input: 15, cached_input: 1.5, cache_write_5m: 18.75, cache_write_1h: 30, output: 75 };
const SONNET: ModelPrice = { input: 3, cached_input: 0.3, cache_write_5m: 3.75, cache_write_1h: 6, output: 15 };
/** Sonnet 4 / 4.5 with the 1M-context beta: the whole call is billed at these rates above 200k prompt tokens. */
const SONNET_LONG: ModelPrice = {
  ...SONNET,
  // Writes derived with Anthropic's 1.25× / 2× rule from the 6.00 long-context input price.
  tier: {
    above_prompt_tokens: 200_000,
    input: 6,
    cached_input: 0.6,
    cache_write_5m: 7.5,
    cache_write_1h: 12,
    output: 22.5,
  },
};

const ANTHROPIC: PriceList = {
  ...alias(['claude-opus-4-5', 'claude-opus-4-6', 'claude-opus-4-7'], OPUS_4_5),
  // LLM-PRICES-only 2026 entries (⚠ unverified).
  ...alias(['claude-opus-5', 'claude-opus-4-8'], OPUS_4_5),
  ...alias(['claude-opus-4-1', 'claude-opus-4', 'claude-opus-4-0', 'claude-3-opus', 'claude-3-opus-latest'], OPUS_4),
  ...alias(['claude-sonnet-4-5', 'claude-sonnet-4', 'claude-sonnet-4-0'], SONNET_LONG),
  ...alias(
    [
      'claude-sonnet-4-6',
      'claude-3-7-sonnet',
      'claude-3-7-sonnet-latest',
      'claude-3-5-sonnet',
      'claude-3-5-sonnet-latest',
    ],
    SONNET,
  ),
  'claude-sonnet-5': { input: 2, cached_input: 0.2, cache_write_5m: 2.5, cache_write_1h: 4, output: 10 },
  'claude-haiku-4-5': { input: 1, cached_input: 0.1, cache_write_5m: 1.25, cache_write_1h: 2, output: 5 },
  // 1h writes for the Claude 3.x Haikus and 3 Opus come from Anthropic's docs (LLM-PRICES lists 6.00 by mistake).
  ...alias(['claude-3-5-haiku', 'claude-3-5-haiku-latest'], {
    input: 0.8,
    cached_input: 0.08,
    cache_write_5m: 1,
    cache_write_1h: 1.6,
    output: 4,
  }),
  'claude-3-haiku': { input: 0.25, cached_input: 0.03, cache_write_5m: 0.3, cache_write_1h: 0.5, output: 1.25 },
};

const GEMINI: PriceList = {
  'gemini-2.5-pro': {
    input: 1.25,
    cached_input: 0.125,
    output: 10,
    tier: { above_prompt_tokens: 200_000, input: 2.5, cached_input: 0.25, output: 15 },
  },
  'gemini-2.5-flash': { input: 0.3, cached_input: 0.03, output: 2.5 },
  'gemini-2.5-flash-preview-09-2025': { input: 0.3, cached_input: 0.075, output: 2.5 },
  'gemini-2.5-flash-lite': { input: 0.1, cached_input: 0.01, output: 0.4 },
  // Stable revision ids (`-001`) are listed as aliases: no id is priced by its prefix.
  ...alias(['gemini-2.0-flash', 'gemini-2.0-flash-001'], { input: 0.1, cached_input: 0.025, output: 0.4 }),
  ...alias(['gemini-2.0-flash-lite', 'gemini-2.0-flash-lite-001'], {
    input: 0.075,
    cached_input: 0.01875,
    output: 0.3,
  }),
  // Vertex prices (the `gemini/` entry in LLM-PRICES is a pre-Oct-2024 price). No cached price listed.
  ...alias(['gemini-1.5-pro', 'gemini-1.5-pro-001', 'gemini-1.5-pro-002'], {
    input: 1.25,
    output: 5,
    tier: { above_prompt_tokens: 128_000, input: 2.5, output: 10 },
  }),
  ...alias(['gemini-1.5-flash', 'gemini-1.5-flash-001', 'gemini-1.5-flash-002'], {
    input: 0.075,
    cached_input: 0.01875,
    output: 0.3,
    // Cached input doubles above 128k like the rest (0.0375; prices:check, 2026-12-06).
    tier: { above_prompt_tokens: 128_000, input: 0.15, cached_input: 0.0375, output: 0.6 },
  }),
  'gemini-3-pro-preview': {
    input: 2,
    cached_input: 0.2,
    output: 12,
    tier: { above_prompt_tokens: 200_000, input: 4, cached_input: 0.4, output: 18 },
  },
  'gemini-3-flash-preview': { input: 0.5, cached_input: 0.05, output: 3 },
  'gemini-3.1-flash-lite': { input: 0.25, cached_input: 0.025, output: 1.5 },
  'gemini-3.5-flash': { input: 1.5, cached_input: 0.15, output: 9 },
};

/**
 * DeepSeek (USD / 1M tokens; cache writes are free). Sources: third-party copies of api-docs.deepseek.com
 * (quick_start/pricing, news) gathered in the issue-12 research, not DeepSeek's page itself (unreachable here):
 * - peak hours since 2026-08-17: 2× in 01:00–04:00 and 06:00–10:00 UTC, Monday to Friday in Beijing time from
 *   2026-08-23 (weekends off-peak all day);
 * - since 2026-09-10 `deepseek-flash` (V4.1 Flash) 0.15 / 0.003 / 0.60, and `deepseek-v4-flash` is billed as it;
 * - `deepseek-v4-pro` at its 2026-08-17 rates; reports say it is billed at the Flash price from 2026-09-14 until
 *   V4.1 Pro ships, which could not be confirmed: an upper bound;
 * - `deepseek-chat` / `deepseek-reasoner` were V4 Flash aliases until their retirement on 2026-07-24: the price
 *   they had then.
 * Recheck with `npm run prices:check` and the page before relying on these for budgets.
 */
const DEEPSEEK_PEAK = { windows_utc: ['01:00-04:00', '06:00-10:00'], offpeak_days: [0, 6], time_zone: 'Asia/Shanghai' };
const DEEPSEEK_FLASH: ModelPrice = {
  input: 0.15,
  cached_input: 0.003,
  output: 0.6,
  peak: { ...DEEPSEEK_PEAK, rates: { input: 0.3, cached_input: 0.006, output: 1.2 } },
};

const DEEPSEEK: PriceList = {
  ...alias(['deepseek-chat', 'deepseek-reasoner'], { input: 0.14, cached_input: 0.0028, output: 0.28 }),
  'deepseek-v3.2': { input: 0.28, cached_input: 0.028, output: 0.42 },
  ...alias(['deepseek-flash', 'deepseek-v4-flash'], DEEPSEEK_FLASH),
  'deepseek-v4-pro': {
    input: 0.66,
    cached_input: 0.022,
    output: 1.98,
    peak: { ...DEEPSEEK_PEAK, rates: { input: 1.32, cached_input: 0.044, output: 3.96 } },
  },
};

export const PRICE_TABLE: Readonly<Record<PriceFamily, PriceList>> = {
  openai: OPENAI,
  anthropic: ANTHROPIC,
  gemini: GEMINI,
  deepseek: DEEPSEEK,
};
