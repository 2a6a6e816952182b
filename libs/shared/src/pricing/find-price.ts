import { PRICE_TABLE, PRICE_TABLE_VERSION } from './price-table';
import type { ModelPrice, PriceFamily, PriceMatch, UsageAccounting } from './price-types';

const FAMILIES: readonly PriceFamily[] = ['openai', 'anthropic', 'gemini', 'deepseek'];

/** Which price list a provider name points at; `null` = unknown (every list is searched). */
export function priceFamilyForProvider(provider: string): PriceFamily | null {
  const p = provider.toLowerCase();
  if (p.includes('deepseek')) return 'deepseek';
  if (p.includes('anthropic') || p.includes('claude')) return 'anthropic';
  if (p.includes('gemini') || p.includes('google') || p.includes('vertex')) return 'gemini';
  if (p.includes('openai') || p.includes('azure')) return 'openai';
  return null;
}

export function accountingForFamily(family: PriceFamily): UsageAccounting {
  return family === 'anthropic' ? 'anthropic' : 'openai';
}

/** Guesses the family from a (normalised) model id; used for overrides and unknown providers. */
function familyForModel(id: string): PriceFamily | null {
  if (id.startsWith('claude')) return 'anthropic';
  if (id.startsWith('gemini')) return 'gemini';
  if (id.startsWith('deepseek')) return 'deepseek';
  if (/^(gpt-|o\d|chatgpt-|text-embedding-)/.test(id)) return 'openai';
  return null;
}

/**
 * Lower-cases and strips routing decorations: `models/` (Gemini), `vendor/` (OpenRouter-style), Bedrock's
 * `us.anthropic.` prefix and `-v2:0` suffix.
 */
export function normalizeModelId(model: string): string {
  let id = model.trim().toLowerCase();
  const slash = id.lastIndexOf('/');
  if (slash >= 0) id = id.slice(slash + 1);
  id = id.replace(/^(?:[a-z]{2,4}\.)?(?:anthropic|openai|google|deepseek)\./, '');
  id = id.replace(/-v\d+(?::\d+)?$/, '').replace(/:\d+$/, '');
  return id;
}

/** Removes a release-date suffix: `-20240229` (Anthropic), `-2024-08-06` (OpenAI), `@20240229` / `@001` (Vertex). */
export function stripDateSuffix(id: string): string {
  return id
    .replace(/@[\w.-]+$/, '')
    .replace(/-\d{4}-\d{2}-\d{2}$/, '')
    .replace(/-\d{8}$/, '');
}

interface Source {
  family: PriceFamily;
  list: Readonly<Record<string, ModelPrice>>;
  version: string;
  override: boolean;
}

function lookup(provider: string, model: string, overrides: Readonly<Record<string, ModelPrice>> | undefined) {
  const hint = priceFamilyForProvider(provider);
  const id = normalizeModelId(model);
  const undated = stripDateSuffix(id);
  const guessed = hint ?? familyForModel(undated) ?? 'openai';
  const sources: Source[] = [];
  if (overrides) {
    // `provider/model` keys let one override apply to a single provider; plain keys apply everywhere.
    const scoped: Record<string, ModelPrice> = {};
    const prefix = `${provider.toLowerCase()}/`;
    for (const [key, price] of Object.entries(overrides)) {
      const k = key.toLowerCase();
      if (k.startsWith(prefix)) scoped[normalizeModelId(k.slice(prefix.length))] = price;
    }
    for (const [key, price] of Object.entries(overrides)) {
      if (!key.includes('/')) scoped[normalizeModelId(key)] ??= price;
    }
    sources.push({ family: guessed, list: scoped, version: 'override', override: true });
  }
  const order = hint ? [hint, ...FAMILIES.filter((f) => f !== hint)] : FAMILIES;
  for (const family of order)
    sources.push({ family, list: PRICE_TABLE[family], version: PRICE_TABLE_VERSION, override: false });

  const match = (src: Source, key: string, how: PriceMatch['how']): PriceMatch => {
    const price = src.list[key];
    return {
      id: key,
      family: src.family,
      price,
      accounting: price.accounting ?? accountingForFamily(src.family),
      version: src.version,
      how: src.override ? 'override' : how,
    };
  };
  // Overrides are searched completely (exact, dated) before the table, so an override for `gpt-4o` also prices
  // `gpt-4o-2024-08-06`. No prefix or suffix guessing: `gpt-5.6-terra` is not `gpt-5.6` (a variant's price can
  // be several times its neighbour's); such ids are unpriced until the table or an override names them.
  const groups = overrides ? [sources.slice(0, 1), sources.slice(1)] : [sources];
  for (const group of groups) {
    for (const src of group) if (Object.hasOwn(src.list, id)) return match(src, id, 'exact');
    for (const src of group) if (Object.hasOwn(src.list, undated)) return match(src, undated, 'dated');
  }
  return null;
}

const MEMO_LIMIT = 10_000;
const memo = new Map<string, PriceMatch | null>();
const overrideMemo = new WeakMap<object, Map<string, PriceMatch | null>>();

/**
 * Price of `model` served by `provider` (a provider name such as `openai`, `azure`, `anthropic`, `my-deepseek`).
 * Tries, in order: the exact id (the table lists aliases such as `-latest` and revision ids explicitly), then the
 * id without its release-date suffix; caller overrides win at each step. The provider only orders the search (azure → OpenAI prices, *deepseek* → DeepSeek prices). Unknown
 * models give `null`, never a zero price. Results are memoised (per overrides object).
 */
export function findPrice(
  provider: string,
  model: string,
  overrides?: Readonly<Record<string, ModelPrice>>,
): PriceMatch | null {
  const cache = overrides ? (overrideMemo.get(overrides) ?? new Map<string, PriceMatch | null>()) : memo;
  if (overrides && !overrideMemo.has(overrides)) overrideMemo.set(overrides, cache);
  const key = `${provider}\u0000${model}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const found = lookup(provider, model, overrides);
  if (cache.size >= MEMO_LIMIT) cache.clear();
  cache.set(key, found);
  return found;
}
