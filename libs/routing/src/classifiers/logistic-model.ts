/** Logistic regression scoring: p = sigmoid(bias + Σ wᵢ · (xᵢ − meanᵢ) / stdᵢ). */

export interface LogisticModelSpec {
  featureNames: readonly string[];
  weights: readonly number[];
  bias: number;
  /** Standardisation applied before the weights (trained models); omitted = raw features (hand-set weights). */
  mean?: readonly number[];
  std?: readonly number[];
}

export interface Contribution {
  feature: string;
  /** The raw feature value. */
  value: number;
  /** Its term in the logit: wᵢ · standardised xᵢ. */
  contribution: number;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z); // no overflow for very negative z
  return e / (1 + e);
}

export class LogisticModel {
  readonly featureNames: readonly string[];
  readonly bias: number;
  private readonly w: Float64Array;
  private readonly mean: Float64Array;
  private readonly invStd: Float64Array;

  constructor(spec: LogisticModelSpec) {
    const n = spec.featureNames.length;
    const check = (what: string, arr: readonly number[] | undefined): void => {
      if (arr && arr.length !== n)
        throw new Error(`logistic model: ${what} has ${arr.length} values for ${n} features`);
      if (arr?.some((v) => !Number.isFinite(v))) throw new Error(`logistic model: ${what} has a non-finite value`);
    };
    check('weights', spec.weights);
    check('mean', spec.mean);
    check('std', spec.std);
    if (!Number.isFinite(spec.bias)) throw new Error('logistic model: bias is not finite');
    this.featureNames = [...spec.featureNames];
    this.bias = spec.bias;
    this.w = Float64Array.from(spec.weights);
    this.mean = spec.mean ? Float64Array.from(spec.mean) : new Float64Array(n);
    // a constant feature (std 0) carries no information: scale 0 instead of dividing by zero
    this.invStd = spec.std ? Float64Array.from(spec.std, (s) => (s > 0 ? 1 / s : 0)) : new Float64Array(n).fill(1);
  }

  get size(): number {
    return this.w.length;
  }

  /** The logit (log-odds of "strong"). */
  score(x: ArrayLike<number>): number {
    if (x.length !== this.w.length)
      throw new Error(`logistic model: got ${x.length} features, expected ${this.w.length}`);
    let z = this.bias;
    for (let i = 0; i < this.w.length; i++) z += this.w[i] * (x[i] - this.mean[i]) * this.invStd[i];
    return z;
  }

  /** Probability of "strong". */
  predict(x: ArrayLike<number>): number {
    return sigmoid(this.score(x));
  }

  /** Per-feature terms of the logit, largest absolute value first; zero terms left out. */
  explain(x: ArrayLike<number>, top = 3): Contribution[] {
    const out: Contribution[] = [];
    for (let i = 0; i < this.w.length; i++) {
      const c = this.w[i] * (x[i] - this.mean[i]) * this.invStd[i];
      if (Math.abs(c) >= 0.005) out.push({ feature: this.featureNames[i], value: x[i], contribution: c });
    }
    out.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    return out.slice(0, top);
  }
}

/** `code_terms +1.58, len_last +0.66, writing -0.55` (top contributions) for a decision's reason. */
export function formatContributions(contributions: readonly Contribution[]): string {
  if (contributions.length === 0) return 'no signal (bias only)';
  return contributions
    .map((c) => `${c.feature} ${c.contribution >= 0 ? '+' : '-'}${Math.abs(c.contribution).toFixed(2)}`)
    .join(', ');
}
