import { describe, expect, it } from 'vitest';
import { formatContributions, LogisticModel, sigmoid } from './logistic-model';

describe('LogisticModel', () => {
  it('sigmoid is stable at the extremes', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(2) + sigmoid(-2)).toBeCloseTo(1);
  });

  it('standardises, scores and explains the largest contributions first', () => {
    const m = new LogisticModel({
      featureNames: ['a', 'b', 'c'],
      weights: [2, -1, 0.5],
      bias: -1,
      mean: [1, 0, 0],
      std: [2, 1, 0],
    });
    const x = [5, 3, 100]; // a: 2*(5-1)/2 = 4, b: -3, c: constant feature (std 0) contributes nothing
    expect(m.score(x)).toBeCloseTo(-1 + 4 - 3);
    expect(m.predict(x)).toBeCloseTo(0.5);
    expect(m.explain(x)).toEqual([
      { feature: 'a', value: 5, contribution: 4 },
      { feature: 'b', value: 3, contribution: -3 },
    ]);
    expect(formatContributions(m.explain(x, 1))).toBe('a +4.00');
    expect(formatContributions([])).toBe('no signal (bias only)');
  });

  it('rejects mismatched or non-finite parameters and inputs', () => {
    expect(() => new LogisticModel({ featureNames: ['a'], weights: [1, 2], bias: 0 })).toThrow(/2 values for 1/);
    expect(() => new LogisticModel({ featureNames: ['a'], weights: [NaN], bias: 0 })).toThrow(/non-finite/);
    expect(() => new LogisticModel({ featureNames: ['a'], weights: [1], bias: 0 }).score([1, 2])).toThrow(/expected 1/);
  });
});
