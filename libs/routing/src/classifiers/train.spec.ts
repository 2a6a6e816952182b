import { seededRandom } from '@lessllm/shared';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromPrompt } from './request-features';
import { fitLogistic, parseLabelledJsonl, train, trainWeights, type LabelledExample } from './train';
import { loadWeights, TrainedClassifier } from './trained-classifier';

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Synthetic prompts: "strong" ones are code/maths tasks, "weak" ones small talk and everyday writing. */
function synthetic(n: number, seed: number): LabelledExample[] {
  const r = seededRandom(seed);
  const langs = ['Python', 'Java', 'TypeScript', 'Rust', 'Go', 'C++'];
  const tasks = ['reverses a linked list', 'parses a CSV line', 'finds duplicates in an array', 'sorts a hash map'];
  const topics = ['the ocean', 'my grandmother', 'autumn', 'a lost dog', 'coffee', 'a rainy Monday'];
  const forms = ['poem', 'short story', 'birthday card', 'email', 'tweet', 'toast'];
  const out: LabelledExample[] = [];
  for (let i = 0; i < n; i++) {
    const a = 2 + Math.floor(r() * 50);
    const b = 2 + Math.floor(r() * 50);
    const strong = [
      () => `Write a ${pick(r, langs)} function that ${pick(r, tasks)}.`,
      () => `Solve the equation ${a}x + ${b} = ${a * 3 + b} and show the steps.`,
      () => `What is the probability of drawing ${a % 5} aces from a deck in ${b % 7} draws?`,
      () => `Debug this code:\n\`\`\`\nfor (let i = 0; i < ${a}; i++) { total += arr[i] }\n\`\`\``,
    ];
    const weak = [
      () => `Write a ${pick(r, forms)} about ${pick(r, topics)}.`,
      () => `Hi! How are you doing today?`,
      () => `Thanks a lot, have a nice day`,
      () => `Rewrite this sentence in a friendlier tone: "Send me the file about ${pick(r, topics)}."`,
    ];
    const isStrong = r() < 0.5;
    out.push({ input: fromPrompt(pick(r, isStrong ? strong : weak)()), label: isStrong ? 'strong' : 'weak' });
  }
  return out;
}

const dir = mkdtempSync(path.join(tmpdir(), 'router-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fitLogistic', () => {
  it('separates linearly separable numeric data and is deterministic', () => {
    const r = seededRandom(1);
    const X = Array.from({ length: 200 }, () => [r() * 10, r() * 10, 5]);
    const y = X.map(([a, b]) => (a + 2 * b > 15 ? 1 : 0));
    const fit = fitLogistic(X, y, { epochs: 3000, learningRate: 0.5, l2: 0 });
    expect(fit.accuracy).toBeGreaterThanOrEqual(0.97);
    expect(fit.weights[1]).toBeGreaterThan(fit.weights[0]); // b matters twice as much
    expect(fit.weights[2]).toBe(0); // constant feature: no weight
    expect(fit.std[2]).toBe(0);
    expect(fitLogistic(X, y, { epochs: 3000, learningRate: 0.5, l2: 0 })).toEqual(fit);
    expect(() => fitLogistic([], [])).toThrow(/no examples/);
  });
});

describe('train', () => {
  it('reaches high accuracy on a separable synthetic set, held out included', () => {
    const weights = trainWeights(synthetic(300, 7));
    expect(weights.training?.accuracy).toBeGreaterThanOrEqual(0.97);
    const c = new TrainedClassifier(weights);
    const test = synthetic(200, 99);
    const correct = test.filter((e) => c.decide(e.input).tier === e.label).length;
    expect(correct / test.length).toBeGreaterThanOrEqual(0.95);
  });

  it('reads jsonl, writes a weights file that round-trips through loadWeights', () => {
    const lines = synthetic(120, 3).map((e) => JSON.stringify({ prompt: e.input.messages[0].text, label: e.label }));
    lines.push(
      JSON.stringify({
        messages: [
          { role: 'user', content: 'Implement quicksort in C.' },
          { role: 'assistant', content: 'Here it is.' },
          { role: 'user', content: [{ type: 'text', text: 'Now make it iterative.' }] },
        ],
        label: 'strong',
      }),
      JSON.stringify({ system: 'Be nice.', messages: [{ role: 'user', content: 'hello' }], label: 'weak' }),
      '',
      '// a comment',
    );
    const input = path.join(dir, 'train.jsonl');
    const output = path.join(dir, 'weights.json');
    writeFileSync(input, lines.join('\n'));
    const weights = train(input, output, { threshold: 0.6 });
    expect(weights.training?.examples).toBe(122);
    const loaded = loadWeights(output);
    expect(loaded).toEqual(weights);
    expect(JSON.parse(readFileSync(output, 'utf8'))).toEqual(weights);
    const fromFile = TrainedClassifier.fromFile(output);
    const inMemory = new TrainedClassifier(weights);
    expect(fromFile.threshold).toBe(0.6);
    const prompt = fromPrompt('Write a Kotlin function that computes a checksum.');
    expect(fromFile.classify(prompt)).toEqual(inMemory.classify(prompt));
    expect(fromFile.classify(prompt).classifier).toBe('trained');
  });

  it('reports bad labelled lines with their line number', () => {
    expect(() =>
      parseLabelledJsonl('{"prompt":"a","label":"strong"}\n{"prompt":"b","label":"maybe"}', 'x.jsonl'),
    ).toThrow('x.jsonl:2: label must be "strong" or "weak", got "maybe"');
    expect(() => parseLabelledJsonl('{"prompt":"a"', 'x.jsonl')).toThrow(/x\.jsonl:1: not valid JSON/);
    expect(() => parseLabelledJsonl('{"label":"weak"}', 'x.jsonl')).toThrow(/needs "prompt"/);
    expect(() => parseLabelledJsonl('{"prompt":"  ","label":"weak"}', 'x.jsonl')).toThrow(/no user text/);
  });
});
