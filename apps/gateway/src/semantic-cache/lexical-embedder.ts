import { l2Normalize, type Embedder } from './embedder';
import { fnv1a, wordTokens } from './text-features';

/** Common function words: kept as features, but weighted down (an IDF stand-in without a corpus). */
const STOPWORDS = new Set(
  (
    'a an the of to in on at for from by with and or is are was were be been am do does did can could ' +
    'would should will shall may might must i you he she it we they me my your our their this that these ' +
    'those what which who whom how why when where please tell explain give me about some any there here'
  ).split(' '),
);

export interface LexicalEmbedderOptions {
  dimensions?: number;
  unigramWeight?: number;
  bigramWeight?: number;
  trigramWeight?: number;
  stopwordFactor?: number;
}

/**
 * Local, dependency-free embedder measuring LEXICAL similarity: feature hashing of word unigrams, word
 * bigrams and character 3-grams (word-boundary padded), sublinear term frequency (1 + ln tf), stop words
 * down-weighted, signed hashing into `dimensions` buckets, L2-normalised. Case, punctuation, small typos
 * and clause order barely move the vector; paraphrases with different words do NOT match, and the same
 * words with a different number or a "not" look almost identical - which is why the guards exist.
 */
export class LexicalEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly o: Required<LexicalEmbedderOptions>;

  constructor(options: LexicalEmbedderOptions = {}) {
    this.o = {
      dimensions: 512,
      unigramWeight: 1,
      bigramWeight: 1,
      trigramWeight: 0.6,
      stopwordFactor: 0.3,
      ...options,
    };
    this.dimensions = this.o.dimensions;
    this.id = `lexical-v1-${this.dimensions}`;
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    return Promise.resolve(texts.map((t) => this.embedOne(t)));
  }

  embedOne(text: string): Float32Array {
    const counts = new Map<string, number>();
    const bump = (feature: string, weight: number): void => {
      counts.set(feature, (counts.get(feature) ?? 0) + weight);
    };
    const words = wordTokens(text);
    words.forEach((w, i) => {
      const stop = STOPWORDS.has(w) ? this.o.stopwordFactor : 1;
      bump(`u:${w}`, this.o.unigramWeight * stop);
      if (i > 0) {
        const bothStop = stop !== 1 && STOPWORDS.has(words[i - 1]);
        bump(`b:${words[i - 1]} ${w}`, this.o.bigramWeight * (bothStop ? this.o.stopwordFactor : 1));
      }
      if (stop === 1) {
        const padded = `^${w}$`;
        for (let j = 0; j + 3 <= padded.length; j++) bump(`c:${padded.slice(j, j + 3)}`, this.o.trigramWeight);
      }
    });
    const v = new Float32Array(this.dimensions);
    for (const [feature, tf] of counts) {
      const h = fnv1a(feature);
      const sign = (h & 0x80000000) !== 0 ? -1 : 1;
      v[h % this.dimensions] += sign * (tf <= 1 ? tf : 1 + Math.log(tf));
    }
    return l2Normalize(v);
  }
}
