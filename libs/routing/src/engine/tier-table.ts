import type { RouterConfig } from '@lessllm/shared';

/** Tiers from cheapest to strongest, each with the probability from which it is chosen. */
export interface TierTable {
  names: string[];
  models: string[];
  minProbability: number[];
}

/** Config order is cost order. Unset thresholds: the first tier 0, tier i of n at i/n (two tiers: 0.5). */
export function tierTable(config: RouterConfig): TierTable {
  const entries = Object.entries(config.tiers);
  const n = entries.length;
  return {
    names: entries.map(([name]) => name),
    models: entries.map(([, tier]) => tier.model),
    minProbability: entries.map(([, tier], i) => (i === 0 ? 0 : (tier.min_probability ?? i / n))),
  };
}

/** The strongest tier whose threshold the probability reaches (the cheapest when none does). */
export function tierIndexFor(table: TierTable, probability: number): number {
  let chosen = 0;
  table.minProbability.forEach((min, i) => {
    if (probability >= min) chosen = i;
  });
  return chosen;
}
