import { describe, expect, it } from 'vitest';
import { cosine } from './embedder';
import { LexicalEmbedder } from './lexical-embedder';

describe('LexicalEmbedder', () => {
  const e = new LexicalEmbedder();

  it('is deterministic across instances and calls', async () => {
    const [a] = await e.embed(['How do I reverse a linked list in Python?']);
    const [b] = await new LexicalEmbedder().embed(['How do I reverse a linked list in Python?']);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(e.id).toBe('lexical-v1-512');
  });

  it('returns L2-normalised vectors of the declared size (zero vector for empty text)', async () => {
    const [v, empty] = await e.embed(['Explain photosynthesis in simple terms', '  ?! ']);
    expect(v.length).toBe(512);
    expect(Math.sqrt(v.reduce((s, x) => s + x * x, 0))).toBeCloseTo(1, 5);
    expect(empty.every((x) => x === 0)).toBe(true);
  });

  it('scores case/punctuation variants near 1 and unrelated texts low', () => {
    const q = e.embedOne('What is the capital of Australia?');
    expect(cosine(q, e.embedOne('what is the capital of australia'))).toBeGreaterThan(0.99);
    expect(cosine(q, e.embedOne('Give me a recipe for banana bread'))).toBeLessThan(0.3);
  });

  it('measures words, not meaning: a number change still looks similar (the guards must catch it)', () => {
    const s = cosine(e.embedOne('Convert 100 USD to EUR'), e.embedOne('Convert 1000 USD to EUR'));
    expect(s).toBeGreaterThan(0.6);
  });
});
