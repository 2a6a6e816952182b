import { describe, expect, it } from 'vitest';
import { billedCompletionTokens, callCost, computeCost, isPeak } from './compute-cost';
import { findPrice, normalizeModelId, stripDateSuffix } from './find-price';
import { PRICE_TABLE, PRICE_TABLE_VERSION } from './price-table';
import type { ModelPrice } from './price-types';

function price(provider: string, model: string): ModelPrice {
  const m = findPrice(provider, model);
  if (!m) throw new Error(`no price for ${provider}/${model}`);
  return m.price;
}

describe('findPrice', () => {
  it('is dated and covers the providers.md §6 models', () => {
    expect(PRICE_TABLE_VERSION).toBe('2026-07-24');
    const ids: Array<[string, string]> = [
      ['openai', 'gpt-4o'],
      ['openai', 'gpt-4o-2024-05-13'],
      ['openai', 'gpt-4o-mini'],
      ['openai', 'gpt-4.1-nano'],
      ['openai', 'o3-mini'],
      ['openai', 'o4-mini'],
      ['openai', 'gpt-5-nano'],
      ['openai', 'gpt-5.1-codex'],
      ['openai', 'gpt-5.4-mini'],
      ['openai', 'gpt-5.6'],
      ['openai', 'o1-pro'],
      ['openai', 'gpt-4-0613'],
      ['openai', 'gpt-4-32k'],
      ['openai', 'gpt-4-turbo-2024-04-09'],
      ['openai', 'gpt-3.5-turbo-1106'],
      ['openai', 'text-embedding-3-small'],
      ['anthropic', 'claude-3-opus-20240229'],
      ['anthropic', 'claude-sonnet-4-5-20250929'],
      ['anthropic', 'claude-opus-4-5-20251101'],
      ['anthropic', 'claude-3-5-haiku-20241022'],
      ['anthropic', 'claude-3-haiku-20240307'],
      ['anthropic', 'claude-3-7-sonnet-20250219'],
      ['anthropic', 'claude-haiku-4-5-20251001'],
      ['gemini', 'gemini-2.5-pro'],
      ['gemini', 'gemini-2.0-flash-lite'],
      ['gemini', 'gemini-3.5-flash'],
      ['deepseek', 'deepseek-chat'],
      ['deepseek', 'deepseek-reasoner'],
    ];
    for (const [provider, model] of ids) expect(findPrice(provider, model), `${provider}/${model}`).not.toBeNull();
  });

  it('matches exact ids (aliases listed explicitly), then dated ids; never a prefix', () => {
    expect(findPrice('openai', 'gpt-4o-2024-08-06')).toMatchObject({ id: 'gpt-4o-2024-08-06', how: 'exact' });
    expect(findPrice('openai', 'gpt-4o-mini-2024-07-18')).toMatchObject({ id: 'gpt-4o-mini', how: 'dated' });
    expect(findPrice('anthropic', 'claude-3-opus-20240229')).toMatchObject({ id: 'claude-3-opus', how: 'dated' });
    expect(findPrice('anthropic', 'claude-3-5-sonnet-latest')).toMatchObject({
      id: 'claude-3-5-sonnet-latest',
      how: 'exact',
      price: { input: 3 },
    });
    expect(findPrice('gemini', 'gemini-2.0-flash-001')).toMatchObject({ id: 'gemini-2.0-flash-001', how: 'exact' });
    expect(findPrice('gemini', 'models/gemini-2.5-flash-lite')?.id).toBe('gemini-2.5-flash-lite');
    expect(findPrice('bedrock', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0')?.id).toBe('claude-3-5-sonnet');
    expect(findPrice('gpt-4o', 'gpt-4o')?.version).toBe(PRICE_TABLE_VERSION);
  });

  it("leaves an unknown variant unpriced rather than giving it a neighbour's price", () => {
    // gpt-5.6-terra / -luna list at +150 % and 25× gpt-5.6: a prefix match would bill them wrongly.
    for (const id of ['gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-4o-mini-tts', 'gpt-5.1-codex-mini', 'claude-opus-4-9']) {
      expect(findPrice('openai', id), id).toBeNull();
    }
    expect(findPrice('openai', 'gpt-3.5-turbo-16k')).toBeNull();
    expect(findPrice('openai', 'ft:gpt-4o-2024-08-06:acme::abc')).toBeNull();
    expect(findPrice('gemini', 'gemini-2.5-pro-exp-03-25')).toBeNull();
    // Every id the table lists is still found as itself.
    for (const [family, list] of Object.entries(PRICE_TABLE)) {
      for (const id of Object.keys(list)) expect(findPrice(family, id)?.id, id).toBe(id);
    }
  });

  it('bills gpt-5.6 above 272k prompt tokens at the long-context rates, cached input included', () => {
    const price = findPrice('openai', 'gpt-5.6')!.price;
    const usage = { prompt_tokens: 300_000, completion_tokens: 0, cached_tokens: 200_000, cache_creation_tokens: 0 };
    // 100k uncached × 10 + 200k cached × 1.00 per 1M
    expect(computeCost(price, usage)).toBeCloseTo(1.2, 10);
  });

  it('uses the provider hint: azure → OpenAI prices, deepseek-named providers → DeepSeek prices', () => {
    expect(findPrice('azure', 'gpt-4o')).toMatchObject({ family: 'openai', accounting: 'openai' });
    expect(findPrice('azure', 'gpt-35-turbo')?.price.input).toBe(0.5);
    expect(findPrice('deepseek-cn', 'deepseek-chat')).toMatchObject({ family: 'deepseek', price: { input: 0.14 } });
    expect(findPrice('openrouter', 'anthropic/claude-sonnet-4-5')).toMatchObject({ family: 'anthropic' });
  });

  it('returns null, never 0, for unknown models', () => {
    expect(findPrice('openai', 'my-finetune')).toBeNull();
    expect(findPrice('ollama', 'llama3.1:8b')).toBeNull();
  });

  it('lets overrides win, scoped by provider or global', () => {
    const overrides: Record<string, ModelPrice> = {
      'llama3.1': { input: 0, output: 0 },
      'azure/gpt-4o': { input: 2.75, cached_input: 1.375, output: 11 },
    };
    expect(findPrice('ollama', 'llama3.1', overrides)).toMatchObject({ how: 'override', version: 'override' });
    expect(findPrice('azure', 'gpt-4o-2024-08-06', overrides)?.price.input).toBe(2.75);
    expect(findPrice('openai', 'gpt-4o', overrides)?.price.input).toBe(2.5);
    expect(findPrice('ollama', 'llama3.1:8b')).toBeNull();
  });

  it('normalises ids', () => {
    expect(normalizeModelId(' Models/Gemini-2.5-Pro ')).toBe('gemini-2.5-pro');
    expect(stripDateSuffix('claude-3-opus@20240229')).toBe('claude-3-opus');
    expect(stripDateSuffix('gpt-4o-2024-08-06')).toBe('gpt-4o');
  });

  it('keeps Anthropic rows consistent with the 1.25× / 2× / 0.1× rule (within the documented exceptions)', () => {
    for (const [id, p] of Object.entries(PRICE_TABLE.anthropic)) {
      if (id === 'claude-3-haiku') continue; // published as 0.03 / 0.30 / 0.50 on a 0.25 base
      expect(p.cached_input, id).toBeCloseTo(p.input * 0.1, 6);
      expect(p.cache_write_5m, id).toBeCloseTo(p.input * 1.25, 6);
      expect(p.cache_write_1h, id).toBeCloseTo(p.input * 2, 6);
    }
  });
});

describe('computeCost', () => {
  it('does not overcharge Anthropic cache reads (100 input + 10,000 read + 200 output on Sonnet 4.5 = $0.0063)', () => {
    const m = findPrice('anthropic', 'claude-sonnet-4-5')!;
    // NormalizedUsage: prompt_tokens = input 100 + cache_read 10,000 + cache_creation 0.
    const usage = { prompt_tokens: 10_100, completion_tokens: 200, cached_tokens: 10_000, cache_creation_tokens: 0 };
    const cost = computeCost(m.price, usage, m.accounting);
    expect(cost).toBeCloseTo((100 * 3 + 10_000 * 0.3 + 200 * 15) / 1e6, 12);
    expect(cost).toBe(0.0063);
    expect(cost).not.toBeCloseTo((10_100 * 3 + 200 * 15) / 1e6, 6);
  });

  it('prices Anthropic cache writes at 1.25× (5m) and 2× (1h) when the table has no explicit value', () => {
    const bare: ModelPrice = { input: 4, output: 20 };
    const usage = {
      prompt_tokens: 1_000 + 1_000 + 5_000,
      completion_tokens: 0,
      cached_tokens: 1_000,
      cache_creation_tokens: 5_000,
      cache_creation_1h_tokens: 2_000,
    };
    // 1,000 uncached × 4 + 1,000 reads × 0.4 + 3,000 × 5 + 2,000 × 8
    expect(computeCost(bare, usage, 'anthropic')).toBeCloseTo((4_000 + 400 + 15_000 + 16_000) / 1e6, 12);
    expect(computeCost(price('anthropic', 'claude-opus-4-5'), { ...usage }, 'anthropic')).toBeCloseTo(
      (1_000 * 5 + 1_000 * 0.5 + 3_000 * 6.25 + 2_000 * 10) / 1e6,
      12,
    );
  });

  it('prices OpenAI cached tokens inside prompt_tokens (gpt-4o: 2,000 prompt of which 1,024 cached)', () => {
    const m = findPrice('openai', 'gpt-4o')!;
    const usage = { prompt_tokens: 2_000, completion_tokens: 100, cached_tokens: 1_024, cache_creation_tokens: 0 };
    expect(computeCost(m.price, usage, m.accounting)).toBeCloseTo((976 * 2.5 + 1_024 * 1.25 + 100 * 10) / 1e6, 12);
  });

  it('bills cached tokens at the input price when no cached price is listed (openai accounting)', () => {
    const usage = { prompt_tokens: 2_000, completion_tokens: 0, cached_tokens: 1_024, cache_creation_tokens: 0 };
    expect(computeCost(price('openai', 'gpt-4o-2024-05-13'), usage)).toBeCloseTo((2_000 * 5) / 1e6, 12);
  });

  it('bills gpt-5.6 cache writes at the listed write price', () => {
    const usage = { prompt_tokens: 3_000, completion_tokens: 0, cached_tokens: 1_024, cache_creation_tokens: 1_000 };
    expect(computeCost(price('openai', 'gpt-5.6'), usage)).toBeCloseTo(
      (976 * 5 + 1_024 * 0.5 + 1_000 * 6.25) / 1e6,
      12,
    );
  });

  it('switches the whole call to the long-context tier above the threshold', () => {
    const sonnet = price('anthropic', 'claude-sonnet-4-5');
    const small = { prompt_tokens: 200_000, completion_tokens: 1_000, cached_tokens: 0, cache_creation_tokens: 0 };
    const big = { ...small, prompt_tokens: 200_001 };
    expect(computeCost(sonnet, small, 'anthropic')).toBeCloseTo((200_000 * 3 + 1_000 * 15) / 1e6, 10);
    expect(computeCost(sonnet, big, 'anthropic')).toBeCloseTo((200_001 * 6 + 1_000 * 22.5) / 1e6, 10);
    const gpt54 = price('openai', 'gpt-5.4');
    expect(computeCost(gpt54, { ...small, prompt_tokens: 272_001 })).toBeCloseTo(
      (272_001 * 5 + 1_000 * 22.5) / 1e6,
      10,
    );
  });

  it('clamps inconsistent usage instead of producing negative costs', () => {
    const usage = { prompt_tokens: 100, completion_tokens: -5, cached_tokens: 500, cache_creation_tokens: 50 };
    expect(computeCost(price('openai', 'gpt-4o'), usage)).toBeCloseTo((100 * 1.25) / 1e6, 12);
  });
});

describe('callCost (what a call really bills)', () => {
  const usage = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, cached_tokens: 0, cache_creation_tokens: 0 };

  it('prices the tier that served an OpenAI call: priority 2×, flex and batch 0.5×, default 1×', () => {
    const { price, accounting, family } = findPrice('openai', 'gpt-5')!;
    const list = computeCost(price, usage, accounting);
    expect(list).toBeCloseTo(11.25, 10);
    const at = (serviceTier: string | null) => callCost(price, usage, accounting, { family, serviceTier });
    expect(at('priority')).toBeCloseTo(22.5, 10);
    expect(at('flex')).toBeCloseTo(5.625, 10);
    expect(at('batch')).toBeCloseTo(5.625, 10);
    expect(at('default')).toBeCloseTo(list, 10);
    expect(at('scale')).toBeCloseTo(list, 10);
    expect(at(null)).toBeCloseTo(list, 10);
  });

  it('Anthropic: batch is half price; its other tiers are the list price', () => {
    const { price, accounting, family } = findPrice('anthropic', 'claude-sonnet-4-6')!;
    const list = computeCost(price, usage, accounting);
    expect(callCost(price, usage, accounting, { family, serviceTier: 'batch' })).toBeCloseTo(list / 2, 10);
    expect(callCost(price, usage, accounting, { family, serviceTier: 'priority' })).toBeCloseTo(list, 10);
    expect(callCost(price, usage, accounting, { family, serviceTier: 'standard' })).toBeCloseTo(list, 10);
  });

  it("bills Gemini's output as total − prompt when completion_tokens leaves the thinking out", () => {
    const { price, accounting, family } = findPrice('gemini', 'gemini-2.5-flash')!;
    const reported = { prompt_tokens: 1_469, completion_tokens: 744, cached_tokens: 0, cache_creation_tokens: 0 };
    const billing = { family, totalTokens: 2_496 };
    expect(billedCompletionTokens(reported, billing)).toBe(1_027);
    expect(callCost(price, reported, accounting, billing)).toBeCloseTo((1_469 * 0.3 + 1_027 * 2.5) / 1e6, 10);
    // A consistent total changes nothing, and other families are never corrected.
    expect(billedCompletionTokens(reported, { family, totalTokens: 2_213 })).toBe(744);
    expect(billedCompletionTokens(reported, { family: 'openai', totalTokens: 2_496 })).toBe(744);
  });
});

describe('time-of-day prices (DeepSeek V4)', () => {
  const { price, accounting, family } = findPrice('deepseek', 'deepseek-v4-flash')!;
  const usage = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, cached_tokens: 0, cache_creation_tokens: 0 };
  const cost = (iso: string) => callCost(price, usage, accounting, { family, at: new Date(iso) });

  it('bills the peak windows (01:00–04:00, 06:00–10:00 UTC) at twice the off-peak rates', () => {
    const offPeak = 0.15 + 0.6;
    expect(cost('2026-12-01T12:00:00Z')).toBeCloseTo(offPeak, 10); // Tuesday, off-peak
    expect(cost('2026-12-01T02:30:00Z')).toBeCloseTo(offPeak * 2, 10);
    expect(cost('2026-12-01T06:00:00Z')).toBeCloseTo(offPeak * 2, 10); // window start included
    expect(cost('2026-12-01T10:00:00Z')).toBeCloseTo(offPeak, 10); // window end excluded
    expect(cost('2026-12-01T04:00:00Z')).toBeCloseTo(offPeak, 10);
  });

  it('is off-peak all day on Saturdays and Sundays in Beijing time', () => {
    const offPeak = 0.15 + 0.6;
    expect(cost('2026-12-05T02:00:00Z')).toBeCloseTo(offPeak, 10); // Saturday 10:00 in Beijing
    expect(cost('2026-12-06T07:00:00Z')).toBeCloseTo(offPeak, 10); // Sunday 15:00 in Beijing
    expect(cost('2026-12-07T02:00:00Z')).toBeCloseTo(offPeak * 2, 10); // Monday 10:00 in Beijing
  });

  it('without a start time, the base (off-peak) rates', () => {
    expect(computeCost(price, usage, accounting)).toBeCloseTo(0.75, 10);
    expect(isPeak(price.peak!, new Date('2026-12-01T03:00:00Z'))).toBe(true);
  });
});
