import type { CostUsage, ModelPrice, PeakHours, PriceRates, UsageAccounting } from './price-types';

const clamp = (n: number, max: number): number => Math.max(0, Math.min(Number.isFinite(n) ? n : 0, max));

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

const weekdayFormats = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The day of the week (0 = Sunday) of `at` in `timeZone`. */
function weekdayIn(at: Date, timeZone: string): number {
  let format = weekdayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' });
    weekdayFormats.set(timeZone, format);
  }
  return WEEKDAYS.indexOf(format.format(at));
}

/** Whether a call started at `at` is billed at the peak rates. */
export function isPeak(peak: PeakHours, at: Date): boolean {
  if (peak.offpeak_days && peak.offpeak_days.includes(weekdayIn(at, peak.time_zone ?? 'UTC'))) return false;
  const minute = at.getUTCHours() * 60 + at.getUTCMinutes();
  return peak.windows_utc.some((window) => {
    const [from, to] = window.split('-').map(minutesOf);
    return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
  });
}

/**
 * The rates that apply to a call with this many prompt tokens (the long-context tier bills the whole call),
 * started at `at` (peak-hour prices; without a time the base, off-peak, rates).
 */
export function ratesFor(price: ModelPrice, promptTokens: number, at?: Date): PriceRates {
  if (price.peak && at && isPeak(price.peak, at)) return price.peak.rates;
  return price.tier && promptTokens > price.tier.above_prompt_tokens ? price.tier : price;
}

/**
 * Cost in USD. Cache reads and writes are split out of `prompt_tokens` (which includes them, see CostUsage) and
 * priced separately:
 * - uncached input = prompt − cache reads − cache writes, at the input price;
 * - reads at `cached_input`, else 0.1× input (anthropic accounting) or the input price (openai: no discount listed);
 * - writes at `cache_write_5m` / `cache_write_1h`, else 1.25× / 2× input (anthropic) or the input price (openai,
 *   where writes were free before gpt-5.6 and are simply input tokens).
 * Rounded to 1e-10 USD to hide float noise.
 */
export function computeCost(
  price: ModelPrice,
  usage: CostUsage,
  accounting: UsageAccounting = price.accounting ?? 'openai',
  at?: Date,
): number {
  const prompt = clamp(usage.prompt_tokens, Number.MAX_SAFE_INTEGER);
  const rates = ratesFor(price, prompt, at);
  const anthropic = accounting === 'anthropic';
  const reads = clamp(usage.cached_tokens, prompt);
  const writes = clamp(usage.cache_creation_tokens, prompt - reads);
  const writes1h = clamp(usage.cache_creation_1h_tokens ?? 0, writes);
  const writes5m = writes - writes1h;
  const uncached = prompt - reads - writes;
  const completion = clamp(usage.completion_tokens, Number.MAX_SAFE_INTEGER);

  const readRate = rates.cached_input ?? (anthropic ? rates.input * 0.1 : rates.input);
  const write5mRate = rates.cache_write_5m ?? (anthropic ? rates.input * 1.25 : rates.input);
  const write1hRate = rates.cache_write_1h ?? (anthropic ? rates.input * 2 : write5mRate);

  const micro =
    uncached * rates.input +
    reads * readRate +
    writes5m * write5mRate +
    writes1h * write1hRate +
    completion * rates.output;
  return Math.round((micro / 1_000_000) * 1e10) / 1e10;
}

/**
 * The price factor of the tier that served a call, as the response reports it (OpenAI `service_tier` at the top
 * level, Anthropic `usage.service_tier`): OpenAI priority 2×, flex and batch 0.5×; Anthropic batch 0.5×. Anything
 * else (default, auto, scale, standard, unknown) is the list price.
 */
export function serviceTierFactor(accounting: UsageAccounting, tier: string | null | undefined): number {
  if (tier === 'batch') return 0.5;
  if (accounting !== 'openai') return 1;
  if (tier === 'priority') return 2;
  if (tier === 'flex') return 0.5;
  return 1;
}

/** What a call reported, beyond its token counts, that changes its bill. */
export interface CallBilling {
  /** The family the price was found in: Gemini's OpenAI-compatible usage needs a correction. */
  family: string;
  /** Provider-reported total, when it has one. */
  totalTokens?: number | null;
  serviceTier?: string | null;
  /** When the call started (time-of-day prices). */
  at?: Date;
}

/**
 * Output tokens as billed. Gemini's OpenAI-compatible endpoint leaves thinking tokens out of `completion_tokens`
 * while counting them in `total_tokens` (prompt 1,469 + completion 744 reported with total 2,496): output is then
 * billed as total − prompt.
 */
export function billedCompletionTokens(usage: CostUsage, billing: CallBilling): number {
  const total = billing.totalTokens ?? 0;
  if (billing.family !== 'gemini' || total <= usage.prompt_tokens + usage.completion_tokens) {
    return usage.completion_tokens;
  }
  return total - usage.prompt_tokens;
}

/**
 * The one cost function of a call (the analyzer's `estimated_cost_usd`): list cost of the billed usage, times the
 * factor of the tier that served it.
 */
export function callCost(
  price: ModelPrice,
  usage: CostUsage,
  accounting: UsageAccounting,
  billing: CallBilling,
): number {
  const billed = { ...usage, completion_tokens: billedCompletionTokens(usage, billing) };
  const cost = computeCost(price, billed, accounting, billing.at) * serviceTierFactor(accounting, billing.serviceTier);
  return Math.round(cost * 1e10) / 1e10;
}
