/** Which vendor's price list (and cache-billing rules) a model belongs to. */
export type PriceFamily = 'openai' | 'anthropic' | 'gemini' | 'deepseek';

/**
 * How a provider bills prompt-cache tokens (providers.md §1.5, §2.5, §2.9).
 * - `openai`: cache reads are billed at `cached_input` (full input price when none is listed); writes are free
 *   unless the table lists a write price (gpt-5.6+). Also Gemini, DeepSeek and Azure.
 * - `anthropic`: reads default to 0.1× input, 5-minute writes to 1.25×, 1-hour writes to 2×.
 */
export type UsageAccounting = 'openai' | 'anthropic';

/** USD per 1M tokens. Optional fields fall back to the accounting rules above. */
export interface PriceRates {
  input: number;
  /** Cache read. */
  cached_input?: number;
  /** Cache write with the default (short) TTL: Anthropic 5m; OpenAI gpt-5.6+ writes (30m TTL) also go here. */
  cache_write_5m?: number;
  /** Cache write with Anthropic's 1-hour TTL. */
  cache_write_1h?: number;
  /** 0 for embeddings. */
  output: number;
}

/** Prices that replace the base rates for the whole call when the prompt is longer than `above_prompt_tokens`. */
export interface PriceTier extends PriceRates {
  above_prompt_tokens: number;
}

/**
 * Time-of-day prices (DeepSeek): `rates` replace the base rates for a call started inside one of the UTC windows,
 * except on `offpeak_days`, which are off-peak all day in `time_zone`.
 */
export interface PeakHours {
  /** `HH:MM-HH:MM`, UTC, end excluded. */
  windows_utc: readonly string[];
  rates: PriceRates;
  /** Days of the week (0 = Sunday) billed off-peak all day, as seen in `time_zone`. */
  offpeak_days?: readonly number[];
  time_zone?: string;
}

export interface ModelPrice extends PriceRates {
  /** Long-context tier (>200k for Claude Sonnet 4/4.5 and Gemini Pro, >272k for gpt-5.4+). */
  tier?: PriceTier;
  /** Peak-hour rates by the call's start time; the base rates are then the off-peak ones. */
  peak?: PeakHours;
  /** Accounting override; by default derived from the family the price was found in. */
  accounting?: UsageAccounting;
}

/** The result of a price lookup. */
export interface PriceMatch {
  /** The table key (or override key) that matched. */
  id: string;
  family: PriceFamily;
  price: ModelPrice;
  accounting: UsageAccounting;
  /** PRICE_TABLE_VERSION, or 'override' for caller-supplied prices. */
  version: string;
  how: 'exact' | 'dated' | 'override';
}

/**
 * Token counts for a cost computation, in the NormalizedUsage convention: `prompt_tokens` counts ALL prompt
 * tokens, cache reads and writes included (for Anthropic that is input + cache_read + cache_creation, which the
 * gateway already sums; for OpenAI cached tokens are inside prompt_tokens anyway).
 */
export interface CostUsage {
  prompt_tokens: number;
  completion_tokens: number;
  /** Cache reads. */
  cached_tokens: number;
  /** Cache writes (all TTLs). */
  cache_creation_tokens: number;
  /** The part of cache_creation_tokens written with a 1-hour TTL (Anthropic `ephemeral_1h_input_tokens`). */
  cache_creation_1h_tokens?: number;
}
