import { describe, expect, it, vi } from 'vitest';
import { buildRatingPrompt, LlmClassifier, LruCache, parseRating, sha256 } from './llm-classifier';
import { fromPrompt } from './request-features';

describe('parseRating', () => {
  it.each([
    ['complex', 'complex'],
    ['Complex.', 'complex'],
    ['  SIMPLE\n', 'simple'],
    ['**Medium**', 'medium'],
    ['"medium"', 'medium'],
    ['Rating: Complex!', 'complex'],
    ["I'd say this one is simple.", 'simple'],
    ['Moderate', 'medium'],
    ['hard', 'complex'],
    ['This is not simple; it is complex.', 'complex'],
    ['Complex. Although parts of it are simple, the proof needs several steps.', 'complex'],
    ['The wording is simple, but the rating: medium', 'medium'],
  ] as const)('%j -> %s', (answer, rating) => {
    expect(parseRating(answer)).toBe(rating);
  });

  it.each(['', 'I cannot help with that.', '42', 'It could be simple or complex.', 'simplex'])('%j -> null', (a) => {
    expect(parseRating(a)).toBeNull();
  });
});

describe('LruCache', () => {
  it('evicts the least recently used entry', () => {
    const c = new LruCache<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // a is now most recent
    c.set('c', 3);
    expect(c.has('b')).toBe(false);
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
    expect(c.size).toBe(2);
    expect(() => new LruCache(0)).toThrow();
  });
});

describe('LlmClassifier', () => {
  it('maps ratings to probabilities and says so', async () => {
    const complete = vi.fn((prompt: string) => Promise.resolve(prompt.includes('integral') ? 'Complex' : 'simple.'));
    const c = new LlmClassifier({ complete });
    expect(await c.classify(fromPrompt('Compute the integral of sin x'))).toEqual({
      strongProbability: 0.9,
      classifier: 'llm',
      reason: 'llm rated complex',
    });
    expect((await c.classify(fromPrompt('hi'))).strongProbability).toBe(0.1);
    const custom = new LlmClassifier({ complete: () => Promise.resolve('medium'), probabilities: { medium: 0.6 } });
    expect((await custom.classify(fromPrompt('x'))).strongProbability).toBe(0.6);
  });

  it('calls the model once for two identical prompts (sequential and concurrent), keyed by SHA-256', async () => {
    const complete = vi.fn(() => Promise.resolve('medium'));
    const c = new LlmClassifier({ complete });
    const input = fromPrompt('Explain how vaccines work.');
    await c.classify(input);
    await c.classify(fromPrompt('Explain how vaccines work.'));
    expect(complete).toHaveBeenCalledTimes(1);
    await Promise.all([c.classify(fromPrompt('other')), c.classify(fromPrompt('other'))]);
    expect(complete).toHaveBeenCalledTimes(2);
    expect(c.stats).toMatchObject({ calls: 2, cacheHits: 2 });
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('evicts old prompts when the cache is full', async () => {
    const complete = vi.fn(() => Promise.resolve('simple'));
    const c = new LlmClassifier({ complete, cacheSize: 1 });
    await c.classify(fromPrompt('a'));
    await c.classify(fromPrompt('b'));
    await c.classify(fromPrompt('a'));
    expect(complete).toHaveBeenCalledTimes(3);
  });

  it('falls back to the features classifier on an unparseable answer, saying so', async () => {
    const complete = vi.fn(() => Promise.resolve('As an AI model I cannot rate this.'));
    const c = new LlmClassifier({ complete });
    const v = await c.classify(fromPrompt('Write a Python function that sorts a list.'));
    expect(v.classifier).toBe('features');
    expect(v.reason).toMatch(
      /^llm answer unparseable \("As an AI model I cannot rate this\."\); fell back to features: /,
    );
    expect(v.strongProbability).toBeGreaterThan(0.5);
    await c.classify(fromPrompt('Write a Python function that sorts a list.'));
    expect(complete).toHaveBeenCalledTimes(1); // the unparseable answer is cached too
    expect(c.stats.unparseable).toBe(2);
  });

  it('falls back when the call fails and does not cache the failure', async () => {
    const complete = vi.fn().mockRejectedValueOnce(new Error('timeout')).mockResolvedValueOnce('complex');
    const c = new LlmClassifier({ complete });
    const v = await c.classify(fromPrompt('Prove Fermat’s little theorem.'));
    expect(v.reason).toMatch(/^llm rater failed \(timeout\); fell back to features/);
    expect((await c.classify(fromPrompt('Prove Fermat’s little theorem.'))).reason).toBe('llm rated complex');
    expect(complete).toHaveBeenCalledTimes(2);
  });

  it('builds a prompt with the conversation, cutting long earlier turns', () => {
    const prompt = buildRatingPrompt({
      messages: [
        { role: 'system', text: 'sys' },
        { role: 'user', text: 'x'.repeat(2000) },
        { role: 'assistant', text: 'answer' },
        { role: 'user', text: 'follow-up question' },
      ],
      tools: true,
      jsonOutput: false,
      maxTokens: null,
    });
    expect(prompt).toContain('Answer with exactly one word: simple, medium or complex.');
    expect(prompt).toContain('[user] follow-up question');
    expect(prompt).toContain('[assistant] answer');
    expect(prompt).toContain('chars cut]');
    expect(prompt).toContain('Note: tools are offered.');
    expect(prompt.length).toBeLessThan(1500);
  });
});
