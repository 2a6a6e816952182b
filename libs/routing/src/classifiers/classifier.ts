import type { RoutingInput } from './request-features';

/** The two model tiers the router chooses between. */
export type Tier = 'strong' | 'weak';

/** What every classifier answers: how likely the request needs the strong tier, and why. */
export interface ClassifierVerdict {
  /** Calibrated-ish probability in [0, 1] that the strong tier is needed. */
  strongProbability: number;
  /** Which classifier produced the verdict (`features`, `trained`, `llm`, ...). */
  classifier: string;
  /** Short human-readable reason, e.g. `code_terms +1.6, math_terms +0.9` or `llm: complex`. */
  reason: string;
}

/** A pluggable request classifier. Synchronous ones (features, trained) may return the verdict directly. */
export interface Classifier {
  readonly name: string;
  classify(input: RoutingInput): Promise<ClassifierVerdict> | ClassifierVerdict;
}

/** A verdict turned into a tier at a decision threshold. */
export interface TierDecision {
  tier: Tier;
  /** Same as the verdict's strongProbability. */
  probability: number;
  /** The logit (log-odds) behind `probability`, when the classifier has one. */
  score: number;
  reason: string;
  classifier: string;
}

export const DEFAULT_THRESHOLD = 0.5;

/** Validates a decision threshold: a finite number in (0, 1). */
export function checkThreshold(threshold: number): number {
  if (!Number.isFinite(threshold) || threshold <= 0 || threshold >= 1) {
    throw new RangeError(`router threshold must be a number in (0, 1), got ${threshold}`);
  }
  return threshold;
}

/** `strong` when the probability reaches the threshold. */
export function tierFor(probability: number, threshold: number = DEFAULT_THRESHOLD): Tier {
  return probability >= threshold ? 'strong' : 'weak';
}

/** Log-odds of a probability (clamped so 0 and 1 stay finite). */
export function logit(p: number): number {
  const q = Math.min(1 - 1e-9, Math.max(1e-9, p));
  return Math.log(q / (1 - q));
}

/** Turns any verdict into a tier decision. */
export function decide(verdict: ClassifierVerdict, threshold: number = DEFAULT_THRESHOLD): TierDecision {
  return {
    tier: tierFor(verdict.strongProbability, threshold),
    probability: verdict.strongProbability,
    score: logit(verdict.strongProbability),
    reason: verdict.reason,
    classifier: verdict.classifier,
  };
}
