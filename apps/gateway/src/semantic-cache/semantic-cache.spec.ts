import { describe, expect, it } from 'vitest';
import { splitRequest, type SemanticRequest } from './context-key';
import { LexicalEmbedder } from './lexical-embedder';
import { MemorySemanticIndex } from './memory-semantic-index';
import { DEFAULT_SEMANTIC_THRESHOLD, SemanticCache } from './semantic-cache';

const req = (last: string, over: Partial<SemanticRequest> = {}): SemanticRequest => ({
  tenant: 't1',
  model: 'gpt-fast',
  params: { temperature: 0 },
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: last },
  ],
  ...over,
});

describe('SemanticCache', () => {
  const make = (thresholds?: Record<string, number>) =>
    new SemanticCache({ embedder: new LexicalEmbedder(), index: new MemorySemanticIndex(), thresholds });

  it('hits on a surface variant of the last turn within the same context', async () => {
    const cache = make();
    expect(await cache.store(req('What is the capital of Australia?'), 'resp-1')).toBe(true);
    const r = await cache.lookup(req('what is the capital of australia'));
    expect(r).toMatchObject({ hit: true, value: 'resp-1', matchedText: 'What is the capital of Australia?' });
  });

  it('never matches across tenant, model, params, system prompt or earlier turns', async () => {
    const cache = make();
    await cache.store(req('What is the capital of Australia?'), 'resp-1');
    const q = 'What is the capital of Australia?';
    for (const other of [
      req(q, { tenant: 't2' }),
      req(q, { model: 'gpt-big' }),
      req(q, { params: { temperature: 0.7 } }),
      req(q, {
        messages: [
          { role: 'system', content: 'You are verbose.' },
          { role: 'user', content: q },
        ],
      }),
    ]) {
      expect(await cache.lookup(other)).toEqual({ hit: false, reason: 'no-candidate' });
    }
    // stream flags do not change the answer
    expect((await cache.lookup(req(q, { params: { temperature: 0, stream: true } }))).hit).toBe(true);
  });

  it('reports the guard that blocked a near-miss', async () => {
    const cache = make({ 'gpt-fast': 0.5 });
    await cache.store(req('Convert 100 USD to EUR'), 'resp-100');
    expect(await cache.lookup(req('Convert 1000 USD to EUR'))).toMatchObject({ hit: false, reason: 'guard:numbers' });
  });

  it('uses per-alias thresholds and the measured default', () => {
    const cache = make({ strict: 0.97 });
    expect(cache.thresholdFor('strict')).toBe(0.97);
    expect(cache.thresholdFor('other')).toBe(DEFAULT_SEMANTIC_THRESHOLD);
  });

  it('is not cacheable when the last message is not a plain-text user turn', async () => {
    const cache = make();
    const image = req('x', {
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:' } }] }],
    });
    expect(await cache.lookup(image)).toEqual({ hit: false, reason: 'not-cacheable' });
    expect(await cache.store(req('x', { messages: [{ role: 'assistant', content: 'hi' }] }), 'v')).toBe(false);
    expect(splitRequest(req('   '), 'e')).toBeNull();
  });
});
