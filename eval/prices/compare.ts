import { PRICE_TABLE, ratesFor, type ModelPrice, type PriceFamily } from '@lessllm/shared';
import { calcPrice } from '@pydantic/genai-prices';

/** genai-prices' provider ids for our price families. */
const PROVIDER: Record<PriceFamily, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'google',
  deepseek: 'deepseek',
};

export type Field = 'input' | 'cached_input' | 'cache_write_5m' | 'output';
export const FIELDS: readonly Field[] = ['input', 'cached_input', 'cache_write_5m', 'output'];

export interface Difference {
  family: PriceFamily;
  id: string;
  /** `base` or `>N` (the long-context tier). */
  at: string;
  field: Field | 'model' | 'time_of_day';
  ours: number | string | null;
  theirs: number | string | null;
}

/** Tokens per call for reading a rate (small enough to stay under every long-context threshold). */
const PROBE = 1_000;
/** A Tuesday at noon UTC (DeepSeek V4 off-peak), and at 02:00 UTC (V4 peak). */
const AT = new Date('2026-12-01T12:00:00Z');
const AT_PEAK = new Date('2026-12-01T02:00:00Z');

/** genai-prices' USD per 1M tokens for one usage dimension, at `promptTokens` prompt tokens. */
function theirRate(id: string, provider: string, field: Field, promptTokens: number, at: Date): number | null {
  const usage: Record<string, number> =
    field === 'output'
      ? { input_tokens: promptTokens, output_tokens: PROBE }
      : field === 'input'
        ? { input_tokens: promptTokens }
        : {
            input_tokens: promptTokens,
            [field === 'cached_input' ? 'cache_read_tokens' : 'cache_write_tokens']: PROBE,
          };
  const base = calcPrice({ input_tokens: promptTokens }, id, { providerId: provider, timestamp: at });
  const result = calcPrice(usage, id, { providerId: provider, timestamp: at });
  if (!result || !base) return null;
  if (field === 'input') return (result.input_price / promptTokens) * 1e6;
  if (field === 'output') return (result.output_price / PROBE) * 1e6;
  // Cache tokens are inside input_tokens: their rate is the uncached input they replace plus the difference.
  const inputRate = base.input_price / promptTokens;
  return ((result.input_price - base.input_price) / PROBE + inputRate) * 1e6;
}

/** Our rate for a field, with the same fallbacks computeCost applies (Anthropic 0.1× / 1.25×; OpenAI input). */
function ourRate(price: ModelPrice, family: PriceFamily, field: Field, promptTokens: number, at: Date): number {
  const rates = ratesFor(price, promptTokens, at);
  const anthropic = (price.accounting ?? (family === 'anthropic' ? 'anthropic' : 'openai')) === 'anthropic';
  if (field === 'cached_input') return rates.cached_input ?? (anthropic ? rates.input * 0.1 : rates.input);
  if (field === 'cache_write_5m') return rates.cache_write_5m ?? (anthropic ? rates.input * 1.25 : rates.input);
  return rates[field];
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** Every difference between our table and genai-prices' (bundled data of the installed version). */
export function compareWithGenaiPrices(): { compared: number; missing: string[]; differences: Difference[] } {
  const differences: Difference[] = [];
  const missing: string[] = [];
  let compared = 0;
  for (const [family, list] of Object.entries(PRICE_TABLE) as Array<[PriceFamily, Record<string, ModelPrice>]>) {
    const provider = PROVIDER[family];
    for (const [id, price] of Object.entries(list)) {
      const found = calcPrice({ input_tokens: PROBE }, id, { providerId: provider, timestamp: AT });
      if (!found) {
        missing.push(`${family}/${id}`);
        continue;
      }
      compared++;
      const before = differences.length;
      const prices = found.model.prices;
      if (!price.peak && Array.isArray(prices) && prices.some((p) => p.constraint?.type === 'time_of_date')) {
        differences.push({ family, id, at: 'base', field: 'time_of_day', ours: 'flat', theirs: 'peak/off-peak' });
      }
      const points: Array<[string, number, Date]> = [['base', PROBE, AT]];
      if (price.tier) points.push([`>${price.tier.above_prompt_tokens}`, price.tier.above_prompt_tokens + PROBE, AT]);
      if (price.peak) points.push(['peak', PROBE, AT_PEAK]);
      for (const [at, tokens, when] of points) {
        for (const field of FIELDS) {
          if (field === 'cache_write_5m' && family !== 'anthropic' && price.cache_write_5m === undefined) continue;
          const theirs = theirRate(id, provider, field, tokens, when);
          const ours = ourRate(price, family, field, tokens, when);
          if (theirs === null || Math.abs(theirs - ours) > 1e-6) {
            differences.push({
              family,
              id,
              at,
              field,
              ours: round(ours),
              theirs: theirs === null ? null : round(theirs),
            });
          }
        }
      }
      // Their row for an id of ours is only worth naming when prices differ (aliases resolve to one row).
      if (differences.length > before && found.model.id !== id) {
        differences.push({ family, id, at: 'base', field: 'model', ours: id, theirs: found.model.id });
      }
    }
  }
  return { compared, missing, differences };
}
