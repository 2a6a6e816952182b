export interface LshOptions {
  /** Independent bands; an entry is a candidate when it shares the full signature of at least one band. */
  bands: number;
  /** Hyperplanes per band (bits of one band signature, at most 30). */
  bitsPerBand: number;
  /** PRNG seed: every replica must use the same one (it is part of the Redis key namespace). */
  seed: number;
}

export const DEFAULT_LSH: LshOptions = { bands: 16, bitsPerBand: 12, seed: 0x5eed };

/** Deterministic PRNG (mulberry32) so hyperplanes are identical across processes. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random-hyperplane LSH (SimHash) for cosine: each bit is the sign of the dot product with a Gaussian
 * hyperplane. P(bit equal) = 1 - angle/pi, so P(band equal) = that ^ bitsPerBand and
 * P(candidate) = 1 - (1 - P(band equal)) ^ bands.
 */
export class HyperplaneLsh {
  private readonly planes: Float32Array;

  constructor(
    readonly dimensions: number,
    readonly options: LshOptions = DEFAULT_LSH,
  ) {
    if (options.bitsPerBand > 30) throw new Error('bitsPerBand must be <= 30');
    const rand = mulberry32(options.seed);
    const n = options.bands * options.bitsPerBand * dimensions;
    this.planes = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = Math.max(rand(), 1e-12);
      this.planes[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
    }
  }

  /** One integer signature per band. */
  signatures(v: Float32Array): number[] {
    const { bands, bitsPerBand } = this.options;
    const d = this.dimensions;
    const out: number[] = [];
    for (let b = 0; b < bands; b++) {
      let sig = 0;
      for (let bit = 0; bit < bitsPerBand; bit++) {
        const base = (b * bitsPerBand + bit) * d;
        let dot = 0;
        for (let i = 0; i < d; i++) dot += this.planes[base + i] * v[i];
        sig = (sig << 1) | (dot >= 0 ? 1 : 0);
      }
      out.push(sig);
    }
    return out;
  }

  /** Probability that a vector at this cosine similarity becomes a candidate. */
  candidateProbability(cos: number): number {
    const pBit = 1 - Math.acos(Math.min(1, Math.max(-1, cos))) / Math.PI;
    return 1 - (1 - pBit ** this.options.bitsPerBand) ** this.options.bands;
  }
}
