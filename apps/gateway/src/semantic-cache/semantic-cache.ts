import { createHash } from 'node:crypto';
import { splitRequest, type SemanticRequest } from './context-key';
import type { Embedder } from './embedder';
import { checkGuards, type GuardName } from './guards';
import type { SemanticIndex } from './semantic-index';

/** Chosen by eval/cache (lexical embedder, guards on): lowest threshold with precision >= 0.99 on the set. */
export const DEFAULT_SEMANTIC_THRESHOLD = 0.85;

export interface SemanticCacheOptions {
  embedder: Embedder;
  index: SemanticIndex;
  /** Cosine threshold when the alias has none (default DEFAULT_SEMANTIC_THRESHOLD). */
  defaultThreshold?: number;
  /** Per-alias thresholds (alias = SemanticRequest.model). */
  thresholds?: Record<string, number>;
  /** Candidates checked against the guards, best first. */
  candidates?: number;
}

export type SemanticLookup =
  | { hit: true; value: string; score: number; matchedText: string }
  | { hit: false; reason: 'not-cacheable' | 'no-candidate' | 'below-threshold' | `guard:${GuardName}`; score?: number };

/**
 * Semantic cache: same context (everything but the last user turn, hashed) + a last turn whose embedding
 * is within the alias threshold + every safety guard passing. Stores an opaque value per request.
 */
export class SemanticCache {
  private readonly defaultThreshold: number;

  constructor(private readonly o: SemanticCacheOptions) {
    this.defaultThreshold = o.defaultThreshold ?? DEFAULT_SEMANTIC_THRESHOLD;
  }

  thresholdFor(alias: string): number {
    return this.o.thresholds?.[alias] ?? this.defaultThreshold;
  }

  async lookup(req: SemanticRequest): Promise<SemanticLookup> {
    const split = splitRequest(req, this.o.embedder.id);
    if (!split) return { hit: false, reason: 'not-cacheable' };
    const [vector] = await this.o.embedder.embed([split.lastTurn]);
    const threshold = this.thresholdFor(req.model);
    const matches = await this.o.index.search(split.contextHash, vector, {
      k: this.o.candidates ?? 5,
      minScore: threshold,
    });
    if (matches.length === 0) return { hit: false, reason: 'no-candidate' };
    let firstBlock: SemanticLookup | null = null;
    for (const m of matches) {
      const guard = checkGuards(split.lastTurn, m.text);
      if (guard.ok) return { hit: true, value: m.value, score: m.score, matchedText: m.text };
      firstBlock ??= { hit: false, reason: `guard:${guard.guard}`, score: m.score };
    }
    return firstBlock ?? { hit: false, reason: 'below-threshold' };
  }

  /** Remembers `value` (e.g. the exact-cache key of the stored response) for this request; false if not cacheable. */
  async store(req: SemanticRequest, value: string): Promise<boolean> {
    const split = splitRequest(req, this.o.embedder.id);
    if (!split) return false;
    const [vector] = await this.o.embedder.embed([split.lastTurn]);
    const id = createHash('sha256').update(split.lastTurn).digest('base64url').slice(0, 12);
    await this.o.index.add(split.contextHash, { id, text: split.lastTurn, value, vector });
    return true;
  }
}
