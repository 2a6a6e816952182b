import type { Tier } from '@lessllm/routing';
import { computeCost, findPrice, type ModelPrice } from '@lessllm/shared';
import { getEncoding } from 'js-tiktoken';
import type { EvalItem } from './mt-bench';

export const STRONG_MODEL = 'gpt-4o';
export const WEAK_MODEL = 'gpt-4o-mini';

/**
 * Assumed completion tokens per answer, by category (an assumption, not measured: typical lengths of chat answers
 * of that kind). The turn-1 answer also counts as prompt tokens of the turn-2 request.
 */
export const ASSUMED_OUTPUT_TOKENS: Readonly<Record<string, number>> = {
  writing: 500,
  roleplay: 400,
  reasoning: 350,
  math: 300,
  coding: 500,
  extraction: 250,
  stem: 450,
  humanities: 550,
};
const DEFAULT_OUTPUT_TOKENS = 400;
/** Chat-format overhead per message (role markers), as in OpenAI's token-counting guide. */
const PER_MESSAGE_TOKENS = 4;

export interface Prices {
  strong: ModelPrice;
  weak: ModelPrice;
}

export function prices(): Prices {
  const strong = findPrice('openai', STRONG_MODEL);
  const weak = findPrice('openai', WEAK_MODEL);
  if (!strong || !weak) throw new Error(`no price for ${STRONG_MODEL} or ${WEAK_MODEL} in PRICE_TABLE`);
  return { strong: strong.price, weak: weak.price };
}

export interface Usage {
  prompt: number;
  completion: number;
}

/** Prompt and completion tokens of each item (o200k_base, gpt-4o's tokenizer). */
export function usageOf(items: readonly EvalItem[]): Usage[] {
  const enc = getEncoding('o200k_base');
  return items.map((it) => {
    const out = ASSUMED_OUTPUT_TOKENS[it.category] ?? DEFAULT_OUTPUT_TOKENS;
    let prompt = 3; // reply priming
    for (const m of it.input.messages) {
      // the placeholder stands for the turn-1 answer: bill it as that answer's assumed length
      prompt += PER_MESSAGE_TOKENS + (m.role === 'assistant' ? out : enc.encode(m.text).length);
    }
    return { prompt, completion: out };
  });
}

export function cost(price: ModelPrice, u: Usage): number {
  return computeCost(price, {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    cached_tokens: 0,
    cache_creation_tokens: 0,
  });
}

export interface Metrics {
  n: number;
  accuracy: number;
  /** Of the items sent to strong, the share that needed it (1 when none were sent). */
  precision: number;
  /** Of the items that needed strong, the share sent there. */
  recall: number;
  strongShare: number;
  /** 1 - routed cost / always-strong cost. */
  costSaved: number;
  /** Area under the ROC curve of the probabilities (threshold-free ranking quality); NaN for hard decisions. */
  auc: number;
}

export function auc(probabilities: readonly number[], labels: readonly Tier[]): number {
  const pos: number[] = [];
  const neg: number[] = [];
  probabilities.forEach((p, i) => (labels[i] === 'strong' ? pos : neg).push(p));
  if (!pos.length || !neg.length) return NaN;
  let wins = 0;
  for (const a of pos) for (const b of neg) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

export function metrics(
  items: readonly EvalItem[],
  tiers: readonly Tier[],
  usage: readonly Usage[],
  price: Prices,
  probabilities?: readonly number[],
): Metrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  let routed = 0;
  let allStrong = 0;
  items.forEach((it, i) => {
    const t = tiers[i];
    if (t === it.label) correct++;
    if (t === 'strong' && it.label === 'strong') tp++;
    if (t === 'strong' && it.label === 'weak') fp++;
    if (t === 'weak' && it.label === 'strong') fn++;
    routed += cost(t === 'strong' ? price.strong : price.weak, usage[i]);
    allStrong += cost(price.strong, usage[i]);
  });
  const n = items.length;
  return {
    n,
    accuracy: correct / n,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    strongShare: (tp + fp) / n,
    costSaved: 1 - routed / allStrong,
    auc: probabilities
      ? auc(
          probabilities,
          items.map((it) => it.label),
        )
      : NaN,
  };
}
