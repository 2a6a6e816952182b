import { describe, expect, it } from 'vitest';
import { decide } from './classifier';
import { FeaturesClassifier } from './features-classifier';
import { fromPrompt, type RoutingInput } from './request-features';

const c = new FeaturesClassifier();
const p = (prompt: string | RoutingInput) =>
  c.classify(typeof prompt === 'string' ? fromPrompt(prompt) : prompt).strongProbability;

const CHITCHAT = [
  'Hey, how is it going?',
  'Thanks, that was helpful!',
  'Write a birthday message for my aunt.',
  'Suggest a name for my new cat.',
  'What is the capital of Canada?',
];
const CODE = [
  'Write a Python function that merges two sorted lists in O(n) time.',
  'My Java program throws a NullPointerException in this method:\n```java\nString s = map.get(k).trim();\n```',
  'Implement an LRU cache in TypeScript with get and put.',
];
const MATH = [
  'Solve for x: 5x - 3 = 2x + 9',
  'What is the probability of rolling two sixes with two dice?',
  'Prove that there are infinitely many primes.',
];

describe('FeaturesClassifier (hand weights)', () => {
  it('scores code and maths prompts above chit-chat and routes them differently at 0.5', () => {
    const low = Math.max(...CHITCHAT.map(p));
    for (const prompt of [...CODE, ...MATH]) {
      expect(p(prompt), prompt).toBeGreaterThan(low);
      expect(c.decide(fromPrompt(prompt)).tier, prompt).toBe('strong');
    }
    for (const prompt of CHITCHAT) expect(c.decide(fromPrompt(prompt)).tier, prompt).toBe('weak');
  });

  it('scores a multi-step logic puzzle above a plain knowledge question', () => {
    expect(
      p('Anna is older than Ben, Ben is older than Cleo. If Cleo is 10, who is the oldest? Reason step by step.'),
    ).toBeGreaterThan(0.5);
    expect(p('Who painted the Mona Lisa?')).toBeLessThan(0.3);
  });

  it('routes a terse follow-up in a coding conversation higher than the same text alone', () => {
    const followUp = 'Can you make it handle empty input too?';
    const conversation: RoutingInput = {
      messages: [
        { role: 'user', text: 'Write a Go function that returns the median of a slice of ints.' },
        { role: 'assistant', text: '```go\nfunc median(xs []int) float64 { sort.Ints(xs); return 0 }\n```' },
        { role: 'user', text: followUp },
      ],
      tools: false,
      jsonOutput: false,
      maxTokens: null,
    };
    expect(p(conversation)).toBeGreaterThan(p(followUp) + 0.2);
  });

  it('tools and non-Latin script raise the probability', () => {
    const base = 'Book me a table for two tomorrow evening.';
    expect(p(fromPrompt(base, { tools: true }))).toBeGreaterThan(p(base));
    expect(p('明天晚上帮我订一张两人桌。')).toBeGreaterThan(p('Book a table for two.'));
  });

  it('returns tier, probability, logit and a reason naming the top features', () => {
    const d = c.decide(fromPrompt(CODE[0]));
    expect(d.tier).toBe('strong');
    expect(d.probability).toBeCloseTo(1 / (1 + Math.exp(-d.score)));
    expect(d.reason).toMatch(/^features p=0\.\d\d strong: .*code_terms \+\d\.\d\d/);
    const v = c.classify(fromPrompt(CODE[0]));
    expect(v).toEqual({ strongProbability: d.probability, classifier: 'features', reason: d.reason });
    expect(decide(v, 0.99).tier).toBe('weak');
  });

  it('has a configurable threshold and weights', () => {
    const prompt = fromPrompt(MATH[0]);
    const prob = c.decide(prompt).probability;
    expect(new FeaturesClassifier({ threshold: Math.min(0.99, prob + 0.01) }).decide(prompt).tier).toBe('weak');
    expect(new FeaturesClassifier({ threshold: Math.max(0.01, prob - 0.01) }).decide(prompt).tier).toBe('strong');
    expect(new FeaturesClassifier({ weights: { math_terms: 0, math_symbols: 0 } }).decide(prompt).tier).toBe('weak');
    expect(() => new FeaturesClassifier({ threshold: 1.5 })).toThrow(/threshold/);
  });
});
