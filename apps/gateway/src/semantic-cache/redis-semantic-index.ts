import type Redis from 'ioredis';
import { cosine } from './embedder';
import { DEFAULT_LSH, HyperplaneLsh, type LshOptions } from './lsh';
import {
  DEFAULT_INDEX_LIMITS,
  type SemanticEntry,
  type SemanticIndex,
  type SemanticIndexLimits,
  type SemanticMatch,
  type SemanticSearchOptions,
} from './semantic-index';
import { decodeVector, encodeVector } from './vector-codec';

export interface RedisSemanticIndexOptions extends Partial<SemanticIndexLimits> {
  /** Key namespace, e.g. "lessllm:sem:". */
  prefix?: string;
  dimensions: number;
  lsh?: LshOptions;
  /** Candidates whose vectors are fetched and ranked (those sharing the most band signatures first). */
  maxCandidates?: number;
  /** Evictions done per add (bounds the latency of one write). */
  maxEvictionsPerAdd?: number;
}

/**
 * Vector search on plain Redis 7 (no modules), shared by every replica. Per bucket `{B}`:
 *   e:{B}:<id>            HASH  v = int8 vector (4 + dims bytes), t = last-turn text, x = cached value
 *   l:{B}:<band>:<sig>    SET   ids whose LSH signature for that band is <sig>
 *   z:{B}                 ZSET  "<id>|<sig,sig,...>" scored by insert time (eviction order: TTL, then cap)
 * Lookup = one pipeline of SMEMBERS (one per band) + one pipeline of HMGET for the top candidates.
 * Every key carries the TTL; the `{B}` hash tag keeps a bucket on one Redis Cluster slot.
 */
export class RedisSemanticIndex implements SemanticIndex {
  private readonly lsh: HyperplaneLsh;
  private readonly prefix: string;
  private readonly limits: SemanticIndexLimits;
  private readonly maxCandidates: number;
  private readonly maxEvictions: number;

  constructor(
    private readonly redis: Redis,
    options: RedisSemanticIndexOptions,
  ) {
    const lsh = options.lsh ?? DEFAULT_LSH;
    this.lsh = new HyperplaneLsh(options.dimensions, lsh);
    this.prefix = `${options.prefix ?? 'lessllm:sem:'}${lsh.seed.toString(36)}.${lsh.bands}x${lsh.bitsPerBand}:`;
    this.limits = { ...DEFAULT_INDEX_LIMITS, ...options };
    this.maxCandidates = options.maxCandidates ?? 256;
    this.maxEvictions = options.maxEvictionsPerAdd ?? 1000;
  }

  private entryKey(bucket: string, id: string): string {
    return `${this.prefix}e:{${bucket}}:${id}`;
  }

  private bandKey(bucket: string, band: number, sig: number): string {
    return `${this.prefix}l:{${bucket}}:${band}:${sig.toString(36)}`;
  }

  private orderKey(bucket: string): string {
    return `${this.prefix}z:{${bucket}}`;
  }

  async add(bucket: string, entry: SemanticEntry): Promise<void> {
    if (entry.id.includes('|')) throw new Error('entry id must not contain "|"');
    const sigs = this.lsh.signatures(entry.vector);
    const ttl = this.limits.ttlMs;
    const now = Date.now();
    const z = this.orderKey(bucket);
    const p = this.redis.pipeline();
    const ek = this.entryKey(bucket, entry.id);
    p.hset(ek, { v: encodeVector(entry.vector), t: entry.text, x: entry.value });
    p.pexpire(ek, ttl);
    sigs.forEach((sig, band) => {
      const lk = this.bandKey(bucket, band, sig);
      p.sadd(lk, entry.id);
      p.pexpire(lk, ttl);
    });
    p.zadd(z, now, `${entry.id}|${sigs.map((s) => s.toString(36)).join(',')}`);
    p.pexpire(z, ttl);
    p.zcard(z);
    p.zcount(z, '-inf', now - ttl);
    const res = await p.exec();
    const card = Number(res?.[res.length - 2]?.[1] ?? 0);
    const expired = Number(res?.[res.length - 1]?.[1] ?? 0);
    const evict = Math.min(this.maxEvictions, Math.max(card - this.limits.maxPerBucket, expired));
    if (evict > 0) await this.evictOldest(bucket, evict);
  }

  private async evictOldest(bucket: string, count: number): Promise<void> {
    const popped = await this.redis.zpopmin(this.orderKey(bucket), count);
    const p = this.redis.pipeline();
    for (let i = 0; i < popped.length; i += 2) {
      const [id, sigList = ''] = popped[i].split('|');
      p.del(this.entryKey(bucket, id));
      sigList.split(',').forEach((s, band) => p.srem(this.bandKey(bucket, band, parseInt(s, 36)), id));
    }
    await p.exec();
  }

  async search(bucket: string, vector: Float32Array, options: SemanticSearchOptions): Promise<SemanticMatch[]> {
    const sigs = this.lsh.signatures(vector);
    const p = this.redis.pipeline();
    sigs.forEach((sig, band) => p.smembers(this.bandKey(bucket, band, sig)));
    const bandRes = (await p.exec()) ?? [];
    const hits = new Map<string, number>();
    for (const [err, members] of bandRes) {
      if (err) throw err;
      for (const id of members as string[]) hits.set(id, (hits.get(id) ?? 0) + 1);
    }
    if (hits.size === 0) return [];
    const candidates = [...hits.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, this.maxCandidates)
      .map(([id]) => id);
    const q = this.redis.pipeline();
    for (const id of candidates) q.hmgetBuffer(this.entryKey(bucket, id), 'v', 't', 'x');
    const rows = (await q.exec()) ?? [];
    const matches: SemanticMatch[] = [];
    const stale: string[] = [];
    rows.forEach(([err, fields], i) => {
      if (err) throw err;
      const [v, t, x] = fields as (Buffer | null)[];
      if (!v || !t || !x) {
        stale.push(candidates[i]);
        return;
      }
      const score = cosine(vector, decodeVector(v));
      if (score >= options.minScore)
        matches.push({ id: candidates[i], text: t.toString(), value: x.toString(), score });
    });
    if (stale.length > 0) this.dropStale(bucket, sigs, stale);
    return matches.sort((a, b) => b.score - a.score).slice(0, options.k);
  }

  /** Ids whose entry expired: removed from the band sets just read (best effort, not awaited). */
  private dropStale(bucket: string, sigs: number[], ids: string[]): void {
    const p = this.redis.pipeline();
    sigs.forEach((sig, band) => p.srem(this.bandKey(bucket, band, sig), ...ids));
    p.exec().catch(() => undefined);
  }

  /** Probability that an entry at cosine `cos` from the query is found (LSH recall). */
  recallAt(cos: number): number {
    return this.lsh.candidateProbability(cos);
  }
}
