import type Redis from 'ioredis';
import { DEFAULT_LSH, HyperplaneLsh, popcount32, SKETCH_BITS, type LshOptions } from '../semantic-cache/lsh';
import { packedCosine, packVector } from '../semantic-cache/packed-vector';
import {
  DEFAULT_INDEX_LIMITS,
  type SemanticEntry,
  type SemanticIndex,
  type SemanticIndexLimits,
  type SemanticMatch,
  type SemanticSearchOptions,
} from '../semantic-cache/semantic-index';
import { ADD_LUA, ADD_SHA, POSTING_BYTES } from './redis-semantic-scripts';

/** Version of the key layout below; part of the key prefix, so keys of another layout are never read. */
export const REDIS_SEMANTIC_LAYOUT = 'v2';

export interface RedisSemanticIndexOptions extends Partial<SemanticIndexLimits> {
  /** Key namespace, e.g. "lessllm:sem:". */
  prefix?: string;
  dimensions: number;
  lsh?: LshOptions;
  /** Candidates whose vectors are fetched and ranked exactly (best by shared bands, then sketch distance). */
  maxCandidates?: number;
  /** Evictions done per add (bounds the latency of one write). */
  maxEvictionsPerAdd?: number;
  /** Postings kept per band signature; the oldest are dropped beyond it (bounds memory and lookup reads). */
  maxPostingsPerSignature?: number;
}

/** Weight of one shared band against one differing sketch bit when ranking candidates. */
const BAND_WEIGHT = 8;
/** Text + value up to this size live in the record (no third round trip on a hit); longer ones in e:{B}. */
const INLINE_TEXT_BYTES = 1024;
const EMPTY = Buffer.alloc(0);

interface Hit {
  n: number;
  id: string;
  score: number;
  /** u32 LE text length, text, value (UTF-8); null until read from e:{B}. */
  tail: Buffer | null;
}

/**
 * Vector search on plain Redis 7 (no modules), shared by every replica. Per bucket `{B}` (layout v2), 3 keys:
 *   v:{B}  HASH  <n> -> record: f64 LE insert time (ms), band signatures (ceil(bitsPerBand / 8) bytes each),
 *                u16 LE id length + external id, u32 LE inline length + inline text/value (when <= 1 KiB),
 *                int8 vector (packed-vector.ts: sparse or dense);
 *                plus fields "n" (last entry number) and "lo" (oldest entry number possibly alive)
 *   e:{B}  HASH  <external id> -> <n> (+ u32 LE text length, text, value when not inline): dedup of ids
 *   p:{B}  HASH  <band byte><signature> -> postings, 8 bytes each: <n> + the entry's 32-bit LSH sketch, ascending
 * <n> is a 4-byte big-endian entry number given in insertion order (so the oldest entry is the lowest number).
 * A write is one Lua script (redis-semantic-scripts.ts: dedup, postings, eviction by cap then TTL, TTL on the 3
 * keys). A lookup is one HMGET of the query's band fields, candidates ranked in JS by shared bands and sketch
 * Hamming distance, one HMGET of the best `maxCandidates` records ranked by exact cosine on their int8 vectors
 * and, only for a match whose text is not inline, one HMGET of e:{B}. Records older than the TTL are ignored.
 * The `{B}` hash tag keeps a bucket on one Redis Cluster slot.
 */
export class RedisSemanticIndex implements SemanticIndex {
  private readonly lsh: HyperplaneLsh;
  private readonly prefix: string;
  private readonly limits: SemanticIndexLimits;
  private readonly maxCandidates: number;
  private readonly maxEvictions: number;
  private readonly maxPostings: number;
  private readonly bands: number;
  private readonly sigBytes: number;
  private slots = new Uint32Array(1 << 12);
  private slotScores = new Int32Array(1 << 12);
  private readonly hist: Uint32Array;

  constructor(
    private readonly redis: Redis,
    options: RedisSemanticIndexOptions,
  ) {
    const lsh = options.lsh ?? DEFAULT_LSH;
    if (lsh.bands < 1 || lsh.bands > 255) throw new Error('lsh.bands must be in 1..255');
    this.lsh = new HyperplaneLsh(options.dimensions, lsh);
    this.bands = lsh.bands;
    this.sigBytes = Math.ceil(lsh.bitsPerBand / 8);
    this.hist = new Uint32Array(this.bands * BAND_WEIGHT + SKETCH_BITS - BAND_WEIGHT + 1);
    const shape = `${lsh.seed.toString(36)}.${lsh.bands}x${lsh.bitsPerBand}`;
    this.prefix = `${options.prefix ?? 'lessllm:sem:'}${REDIS_SEMANTIC_LAYOUT}.${shape}:`;
    this.limits = { ...DEFAULT_INDEX_LIMITS, ...options };
    this.maxCandidates = options.maxCandidates ?? 64;
    this.maxEvictions = options.maxEvictionsPerAdd ?? 1000;
    this.maxPostings = options.maxPostingsPerSignature ?? 1024;
  }

  /** The three keys of a bucket: records, texts, postings. */
  keys(bucket: string): { records: string; texts: string; postings: string } {
    return {
      records: `${this.prefix}v:{${bucket}}`,
      texts: `${this.prefix}e:{${bucket}}`,
      postings: `${this.prefix}p:{${bucket}}`,
    };
  }

  private field(band: number, sig: number): Buffer {
    const f = Buffer.allocUnsafe(1 + this.sigBytes);
    f[0] = band;
    f.writeUIntBE(sig, 1, this.sigBytes);
    return f;
  }

  /** Caches the write script on the server (optional: a write sends it itself when the server lacks it). */
  async loadScripts(): Promise<void> {
    await this.redis.script('LOAD', ADD_LUA);
  }

  async add(bucket: string, entry: SemanticEntry): Promise<void> {
    const { signatures, sketch } = this.lsh.hash(entry.vector);
    const ext = Buffer.from(entry.id, 'utf8');
    if (ext.length > 0xffff) throw new Error('entry id too long');
    const text = Buffer.from(entry.text, 'utf8');
    const tail = Buffer.allocUnsafe(4 + text.length + Buffer.byteLength(entry.value));
    tail.writeUInt32LE(text.length, 0);
    text.copy(tail, 4);
    tail.write(entry.value, 4 + text.length, 'utf8');
    const inline = tail.length <= INLINE_TEXT_BYTES ? tail : EMPTY;
    const vec = packVector(entry.vector);
    const now = Date.now();
    const sigLen = this.bands * this.sigBytes;
    const rec = Buffer.allocUnsafe(8 + sigLen + 2 + ext.length + 4 + inline.length + vec.length);
    let o = rec.writeDoubleLE(now, 0);
    for (const sig of signatures) o = rec.writeUIntBE(sig, o, this.sigBytes);
    o = rec.writeUInt16LE(ext.length, o);
    o += ext.copy(rec, o);
    o = rec.writeUInt32LE(inline.length, o);
    o += inline.copy(rec, o);
    vec.copy(rec, o);
    const sk = Buffer.allocUnsafe(4);
    sk.writeUInt32BE(sketch, 0);
    const k = this.keys(bucket);
    const args: (string | number | Buffer)[] = [
      k.records,
      k.texts,
      k.postings,
      this.limits.ttlMs,
      this.limits.maxPerBucket,
      this.maxEvictions,
      now,
      this.maxPostings,
      ext,
      rec,
      inline === tail ? EMPTY : tail,
      sk,
      this.bands,
      this.sigBytes,
    ];
    try {
      await this.redis.evalsha(ADD_SHA, 3, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      await this.redis.eval(ADD_LUA, 3, ...args);
    }
  }

  async search(bucket: string, vector: Float32Array, options: SemanticSearchOptions): Promise<SemanticMatch[]> {
    if (options.k <= 0) return [];
    const { signatures, sketch } = this.lsh.hash(vector);
    const k = this.keys(bucket);
    const lists = await this.redis.hmgetBuffer(k.postings, ...signatures.map((sig, b) => this.field(b, sig)));
    const candidates = this.rank(lists, sketch);
    if (candidates.length === 0) return [];

    const ids = Buffer.allocUnsafe(4 * candidates.length);
    candidates.forEach((n, i) => ids.writeUInt32BE(n, 4 * i));
    const records = await this.redis.hmgetBuffer(
      k.records,
      ...candidates.map((_n, i) => ids.subarray(4 * i, 4 * i + 4)),
    );
    let qn = 0;
    for (let i = 0; i < vector.length; i++) qn += vector[i] * vector[i];
    qn = Math.sqrt(qn);
    const oldest = Date.now() - this.limits.ttlMs;
    const extAt = 8 + this.bands * this.sigBytes;
    const hits: Hit[] = [];
    records.forEach((rec, i) => {
      if (!rec || rec.readDoubleLE(0) <= oldest) return;
      const extEnd = extAt + 2 + rec.readUInt16LE(extAt);
      const inlineLen = rec.readUInt32LE(extEnd);
      const score = packedCosine(vector, qn, rec, extEnd + 4 + inlineLen);
      if (score < options.minScore) return;
      const id = rec.toString('utf8', extAt + 2, extEnd);
      hits.push({
        n: candidates[i],
        id,
        score,
        tail: inlineLen > 0 ? rec.subarray(extEnd + 4, extEnd + 4 + inlineLen) : null,
      });
    });
    if (hits.length === 0) return [];
    hits.sort((a, b) => b.score - a.score || b.n - a.n);
    const top = hits.slice(0, options.k);
    const outOfLine = top.filter((h) => h.tail === null);
    if (outOfLine.length > 0) {
      const texts = await this.redis.hmgetBuffer(k.texts, ...outOfLine.map((h) => h.id));
      // Removed or replaced meanwhile: left without text, dropped below.
      texts.forEach((t, i) => {
        if (t && t.length >= 8 && t.readUInt32BE(0) === outOfLine[i].n) outOfLine[i].tail = t.subarray(4);
      });
    }
    const matches: SemanticMatch[] = [];
    for (const h of top) {
      if (!h.tail) continue;
      const textEnd = 4 + h.tail.readUInt32LE(0);
      matches.push({
        id: h.id,
        text: h.tail.toString('utf8', 4, textEnd),
        value: h.tail.toString('utf8', textEnd),
        score: h.score,
      });
    }
    return matches;
  }

  /**
   * Entry numbers found in the posting lists, best `maxCandidates` first: score = BAND_WEIGHT per shared band minus
   * the Hamming distance of the sketches. Open addressing on typed arrays, then a counting sort (small int scores).
   */
  private rank(lists: (Buffer | null)[], sketch: number): number[] {
    let total = 0;
    for (const l of lists) if (l) total += l.length / POSTING_BYTES;
    if (total === 0) return [];
    let bits = 4;
    while (1 << bits < 2 * total) bits++;
    const size = 1 << bits;
    const mask = size - 1;
    // Reused between lookups (this method never awaits): per-lookup typed arrays are external memory that makes
    // V8 run full GCs often enough to show in the p99.
    if (this.slots.length < size) {
      this.slots = new Uint32Array(size);
      this.slotScores = new Int32Array(size);
    } else this.slots.fill(0, 0, size);
    const keys = this.slots; // entry numbers start at 1: 0 = empty
    const scores = this.slotScores;
    let distinct = 0;
    for (const l of lists) {
      if (!l) continue;
      for (let o = 0; o + POSTING_BYTES <= l.length; o += POSTING_BYTES) {
        const n = l.readUInt32BE(o);
        let slot = Math.imul(n, 0x9e3779b1) >>> (32 - bits);
        while (keys[slot] !== 0 && keys[slot] !== n) slot = (slot + 1) & mask;
        if (keys[slot] === n) scores[slot] += BAND_WEIGHT;
        else {
          keys[slot] = n;
          scores[slot] = BAND_WEIGHT - popcount32((l.readUInt32BE(o + 4) ^ sketch) >>> 0);
          distinct++;
        }
      }
    }
    const out: number[] = [];
    if (distinct <= this.maxCandidates) {
      for (let i = 0; i < size; i++) if (keys[i] !== 0) out.push(keys[i]);
      return out;
    }
    const min = BAND_WEIGHT - SKETCH_BITS;
    const hist = this.hist.fill(0);
    for (let i = 0; i < size; i++) if (keys[i] !== 0) hist[scores[i] - min]++;
    let cut = hist.length - 1;
    for (let taken = hist[cut]; taken < this.maxCandidates && cut > 0;) taken += hist[--cut];
    let atCut = this.maxCandidates;
    for (let i = cut + 1; i < hist.length; i++) atCut -= hist[i];
    for (let i = 0; i < size; i++) {
      if (keys[i] === 0) continue;
      const s = scores[i] - min;
      if (s > cut) out.push(keys[i]);
      else if (s === cut && atCut > 0) {
        out.push(keys[i]);
        atCut--;
      }
    }
    return out;
  }

  /** Probability that an entry at cosine `cos` from the query is found (LSH recall). */
  recallAt(cos: number): number {
    return this.lsh.candidateProbability(cos);
  }
}
