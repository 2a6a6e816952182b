import { describe, expect, it } from 'vitest';
import { cosine, l2Normalize } from './embedder';
import { LexicalEmbedder } from './lexical-embedder';
import { HyperplaneLsh, popcount32 } from './lsh';
import { packedCosine, packVector } from './packed-vector';

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}
const dense = (seed: number, dims = 256) => l2Normalize(Float32Array.from({ length: dims }, rng(seed)));
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('packVector / packedCosine', () => {
  it('packs lexical (sparse) vectors as index/value pairs, far below the dense size', () => {
    const e = new LexicalEmbedder();
    const a = e.embedOne('How do I reverse a linked list in Python without recursion?');
    const b = e.embedOne('how do i reverse a linked list in python without recursion please');
    const packed = packVector(b);
    expect(packed[0]).toBe(1);
    expect(packed.length).toBeLessThan(200);
    expect(packedCosine(a, norm(a), packed, 0)).toBeCloseTo(cosine(a, b), 2);
  });

  it('packs dense vectors as int8 and ranks like float cosine', () => {
    const q = dense(1);
    const v = l2Normalize(Float32Array.from(q, (x, i) => x + 0.05 * rng(i + 7)()));
    const packed = Buffer.concat([Buffer.from('xyz'), packVector(v)]);
    expect(packed[3]).toBe(0);
    expect(packed.length).toBe(3 + 1 + 256);
    expect(packedCosine(q, norm(q), packed, 3)).toBeCloseTo(cosine(q, v), 2);
  });

  it('gives 0 for a zero vector and rejects another dense dimension', () => {
    expect(packedCosine(dense(2), 1, packVector(new Float32Array(256)), 0)).toBe(0);
    expect(() => packedCosine(dense(2, 128), 1, packVector(dense(3)), 0)).toThrow(/dimension/);
  });
});

describe('HyperplaneLsh', () => {
  it('is deterministic for a seed, and signatures() matches hash()', () => {
    const a = new HyperplaneLsh(256, { bands: 4, bitsPerBand: 10, seed: 3 });
    const b = new HyperplaneLsh(256, { bands: 4, bitsPerBand: 10, seed: 3 });
    const v = dense(4);
    expect(a.hash(v)).toEqual(b.hash(v));
    expect(a.signatures(v)).toEqual(a.hash(v).signatures);
    for (const sig of a.signatures(v)) expect(sig).toBeLessThan(1 << 10);
  });

  it('has sketches whose Hamming distance grows with the angle', () => {
    const lsh = new HyperplaneLsh(256, { bands: 1, bitsPerBand: 8, seed: 5 });
    let close = 0;
    let far = 0;
    for (let i = 0; i < 50; i++) {
      const v = dense(100 + i);
      const w = l2Normalize(Float32Array.from(v, (x, j) => x + 0.03 * rng(j + i)()));
      close += popcount32((lsh.hash(v).sketch ^ lsh.hash(w).sketch) >>> 0) / 50;
      far += popcount32((lsh.hash(v).sketch ^ lsh.hash(dense(500 + i)).sketch) >>> 0) / 50;
    }
    expect(close).toBeLessThan(6);
    expect(far).toBeGreaterThan(12);
  });

  it('counts bits and predicts recall', () => {
    expect([0, 1, 0xff, 0x80000000, 0xffffffff].map(popcount32)).toEqual([0, 1, 8, 1, 32]);
    const lsh = new HyperplaneLsh(8, { bands: 32, bitsPerBand: 12, seed: 1 });
    expect(lsh.candidateProbability(0.85)).toBeGreaterThan(0.95);
    expect(lsh.candidateProbability(0.5)).toBeLessThan(0.3);
  });
});
