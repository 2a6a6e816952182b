import { createHash } from 'node:crypto';
import type { Classifier, ClassifierVerdict } from './classifier';
import { FeaturesClassifier } from './features-classifier';
import type { RoutingInput } from './request-features';

export type LlmRating = 'simple' | 'medium' | 'complex';

/**
 * Probability of "strong needed" per rating. `medium` stays below the default 0.5 threshold: a cheap model asked
 * for a three-way rating uses "medium" for most everyday requests, which the weak tier handles.
 */
export const DEFAULT_RATING_PROBABILITY: Readonly<Record<LlmRating, number>> = {
  simple: 0.1,
  medium: 0.4,
  complex: 0.9,
};

const WORDS: Readonly<Record<string, LlmRating>> = {
  simple: 'simple',
  easy: 'simple',
  trivial: 'simple',
  basic: 'simple',
  medium: 'medium',
  moderate: 'medium',
  intermediate: 'medium',
  complex: 'complex',
  hard: 'complex',
  difficult: 'complex',
  complicated: 'complex',
};
const NEGATIONS = new Set(['not', 'no', 'never', 'isnt', 'isn', 'hardly', 'nor', 'neither']);
const LABELS = new Set([
  'rating',
  'rated',
  'answer',
  'difficulty',
  'complexity',
  'classification',
  'category',
  'level',
]);

/**
 * The rating in a model's answer, or null when there is none or it is ambiguous. Tolerates case, punctuation,
 * markdown and extra words: `Complex.`, `**medium**`, `Rating: SIMPLE`, `I'd say this is complex`, synonyms
 * (easy / moderate / hard), and skips negated words (`not simple, complex`). With several different ratings, a
 * labelled one (`rating: X`) wins, then one that opens the answer; otherwise the answer is ambiguous (null).
 */
export function parseRating(answer: string): LlmRating | null {
  const tokens = answer
    .toLowerCase()
    .replace(/['’]/g, '')
    .split(/[^a-z]+/)
    .filter(Boolean);
  const found: { rating: LlmRating; at: number }[] = [];
  tokens.forEach((t, i) => {
    const rating = Object.hasOwn(WORDS, t) ? WORDS[t] : undefined;
    if (rating && !(i > 0 && NEGATIONS.has(tokens[i - 1]))) found.push({ rating, at: i });
  });
  if (found.length === 0) return null;
  const distinct = new Set(found.map((f) => f.rating));
  if (distinct.size === 1) return found[0].rating;
  const labelled = found.find((f) => tokens.slice(Math.max(0, f.at - 3), f.at).some((t) => LABELS.has(t)));
  if (labelled) return labelled.rating;
  if (found[0].at === 0) return found[0].rating;
  return null;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)} …[${text.length - max + 20} chars cut]`;
}

/**
 * The rating prompt: instructions plus a compact transcript (earlier turns cut to 600 characters each, the last
 * user turn to `maxChars`). Identical requests give identical prompts, which is what the cache keys on.
 */
export function buildRatingPrompt(input: RoutingInput, maxChars = 4000): string {
  let last = -1;
  input.messages.forEach((m, i) => {
    if (m.role === 'user') last = i;
  });
  const lines: string[] = [];
  input.messages.forEach((m, i) => {
    const text = m.text.trim();
    if (text) lines.push(`[${m.role}] ${cut(text, i === last ? maxChars : 600)}`);
  });
  const extras = [input.tools ? 'tools are offered' : '', input.jsonOutput ? 'JSON output is required' : '']
    .filter(Boolean)
    .join('; ');
  return [
    'You route requests between a cheap and a strong AI model. Rate how hard it is to answer the LAST user message',
    'of the conversation below well.',
    'simple: small talk, facts, rewriting, summarising, translation, everyday writing and role-play.',
    'medium: explanations or advice that need care but no long chain of reasoning.',
    'complex: mathematics, multi-step logical reasoning, puzzles, non-trivial programming or debugging.',
    'Answer with exactly one word: simple, medium or complex.',
    extras ? `Note: ${extras}.` : '',
    '<conversation>',
    ...lines,
    '</conversation>',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** A small least-recently-used map (Map keeps insertion order; a get re-inserts). */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('LRU capacity must be a positive integer');
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    if (!this.map.has(key)) return undefined;
    const value = this.map.get(key) as V;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface LlmClassifierOptions {
  /** Sends a prompt to the configured cheap model and returns its text answer (provided by the gateway). */
  complete: (prompt: string) => Promise<string>;
  /** Cached ratings (default 1000). */
  cacheSize?: number;
  /** Used when the answer is unparseable or the call fails (default: a FeaturesClassifier). */
  fallback?: Classifier;
  probabilities?: Partial<Record<LlmRating, number>>;
  /** Characters of the last user turn put in the rating prompt (default 4000). */
  maxPromptChars?: number;
}

interface Rated {
  rating: LlmRating | null;
  answer: string;
}

/**
 * Asks a cheap model to rate the request (simple / medium / complex). Answers are cached by SHA-256 of the rating
 * prompt (unparseable ones too: asking again costs the same and usually answers the same); concurrent identical
 * requests share one call. Failed calls are not cached.
 */
export class LlmClassifier implements Classifier {
  readonly name = 'llm';
  readonly stats = { calls: 0, cacheHits: 0, unparseable: 0, failures: 0 };
  private readonly cache: LruCache<string, Rated>;
  private readonly inflight = new Map<string, Promise<Rated>>();
  private readonly fallback: Classifier;
  private readonly probabilities: Record<LlmRating, number>;

  constructor(private readonly options: LlmClassifierOptions) {
    this.cache = new LruCache(options.cacheSize ?? 1000);
    this.fallback = options.fallback ?? new FeaturesClassifier();
    this.probabilities = { ...DEFAULT_RATING_PROBABILITY, ...options.probabilities };
  }

  async classify(input: RoutingInput): Promise<ClassifierVerdict> {
    const prompt = buildRatingPrompt(input, this.options.maxPromptChars);
    let rated: Rated;
    try {
      rated = await this.rate(prompt);
    } catch (err) {
      this.stats.failures++;
      return this.fallBack(input, `llm rater failed (${(err as Error).message})`);
    }
    if (rated.rating === null) {
      this.stats.unparseable++;
      return this.fallBack(input, `llm answer unparseable (${JSON.stringify(cut(rated.answer, 60))})`);
    }
    return {
      strongProbability: this.probabilities[rated.rating],
      classifier: this.name,
      reason: `llm rated ${rated.rating}`,
    };
  }

  private async rate(prompt: string): Promise<Rated> {
    const key = sha256(prompt);
    const hit = this.cache.get(key);
    if (hit) {
      this.stats.cacheHits++;
      return hit;
    }
    const pending = this.inflight.get(key);
    if (pending) {
      this.stats.cacheHits++;
      return pending;
    }
    this.stats.calls++;
    const call = this.options
      .complete(prompt)
      .then((answer): Rated => {
        const rated = { rating: parseRating(String(answer)), answer: String(answer) };
        this.cache.set(key, rated);
        return rated;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, call);
    return call;
  }

  private async fallBack(input: RoutingInput, why: string): Promise<ClassifierVerdict> {
    const v = await this.fallback.classify(input);
    return { ...v, reason: `${why}; fell back to ${v.classifier}: ${v.reason}` };
  }
}
