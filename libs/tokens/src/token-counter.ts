import { findFormat, MARK_MESSAGE, type WireFormat } from '@lessllm/formats';
import type { Endpoint } from '@lessllm/shared';
import type { EncodingChoice, EncodingName } from './encodings';
import { DEFAULT_CORRECTION_FACTOR, encodingForModel, getEncoder } from './encodings';
import type { RenderedPrompt } from './prompt-sink';
import { TokenPromptSink } from './prompt-sink';
import { TOOL_OVERHEAD } from './tool-overhead';

type Json = Record<string, unknown>;
const asRecord = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export interface TokenCounterOptions {
  /** Multiplier on o200k counts for non-OpenAI models (default 1.1, an estimate; see encodings.ts). */
  correctionFactor?: number;
  /** Texts longer than this are estimated at 4 characters per token instead of tokenised (default 1,000,000). */
  maxEncodeChars?: number;
}

/**
 * BPE cost grows quadratically with the length of one regex piece, and only runs of letters (incl. CJK) or of
 * punctuation form long pieces. Such runs of ≥ LONG_RUN characters are tokenised in LONG_RUN slices: a bounded
 * cost for pathological input (base64, 'aaaa…', long CJK runs) at the price of a few tokens per slice boundary.
 */
const LONG_RUN = 256;
const LONG_RUN_SOURCE = `[\\p{L}\\p{M}]{${LONG_RUN},}|[^\\s\\p{L}\\p{N}]{${LONG_RUN},}`;
const LONG_RUN_RE = new RegExp(LONG_RUN_SOURCE, 'u');
const LONG_RUN_RE_G = new RegExp(LONG_RUN_SOURCE, 'gu');
const SHORT_TEXT = 64;
const SHORT_CACHE_LIMIT = 8_192;
/**
 * Longer texts repeat too: system prompts, tool definitions and earlier turns come back with every call of a
 * conversation or an application. Their ids are kept in a small LRU (bounded by entries and total characters).
 */
const REPEAT_TEXT_MAX = 32_768;
const REPEAT_CACHE_ENTRIES = 2_048;
const REPEAT_CACHE_CHARS = 16_000_000;

/**
 * Token counts with js-tiktoken (`js-tiktoken/lite` + the o200k_base and cl100k_base ranks, loaded lazily once;
 * see fast-bpe.ts for the merge step).
 * Untrusted text is encoded with special-token text treated as plain text, so `<|endoftext|>` never throws.
 */
export class TokenCounter {
  private readonly factor: number;
  private readonly maxEncodeChars: number;
  private readonly shortCache = new Map<string, readonly number[]>();
  /** Map order is recency order: the first key is the least recently used. */
  private readonly repeatCache = new Map<string, readonly number[]>();
  private repeatChars = 0;

  constructor(options: TokenCounterOptions = {}) {
    this.factor = options.correctionFactor ?? DEFAULT_CORRECTION_FACTOR;
    this.maxEncodeChars = options.maxEncodeChars ?? 1_000_000;
  }

  encodingFor(model: string): EncodingChoice {
    return encodingForModel(model, this.factor);
  }

  /** Token ids of `text` (raw, unscaled). */
  encode(text: string, encoding: EncodingName): readonly number[] {
    if (text.length <= SHORT_TEXT) {
      const key = `${encoding}\u0000${text}`;
      const hit = this.shortCache.get(key);
      if (hit) return hit;
      const ids = getEncoder(encoding).encode(text);
      if (this.shortCache.size >= SHORT_CACHE_LIMIT) this.shortCache.clear();
      this.shortCache.set(key, ids);
      return ids;
    }
    if (text.length > this.maxEncodeChars) return approximateIds(text);
    if (text.length > REPEAT_TEXT_MAX) return this.encodeLong(text, encoding);
    const key = `${encoding}\u0000${text}`;
    const hit = this.repeatCache.get(key);
    if (hit) {
      this.repeatCache.delete(key);
      this.repeatCache.set(key, hit);
      return hit;
    }
    const ids = this.encodeLong(text, encoding);
    this.repeatCache.set(key, ids);
    this.repeatChars += key.length;
    for (const oldest of this.repeatCache.keys()) {
      if (this.repeatCache.size <= REPEAT_CACHE_ENTRIES && this.repeatChars <= REPEAT_CACHE_CHARS) break;
      this.repeatCache.delete(oldest);
      this.repeatChars -= oldest.length;
    }
    return ids;
  }

  /** Tokenises without caching; long letter/punctuation runs in bounded slices. */
  private encodeLong(text: string, encoding: EncodingName): readonly number[] {
    const encoder = getEncoder(encoding);
    if (!hasLongRun(text) || !LONG_RUN_RE.test(text)) return encoder.encode(text);
    const ids: number[] = [];
    let from = 0;
    for (const match of text.matchAll(LONG_RUN_RE_G)) {
      const at = match.index;
      if (at > from) append(ids, encoder.encode(text.slice(from, at)));
      for (let i = 0; i < match[0].length; i += LONG_RUN) append(ids, encoder.encode(match[0].slice(i, i + LONG_RUN)));
      from = at + match[0].length;
    }
    if (from < text.length) append(ids, encoder.encode(text.slice(from)));
    return ids;
  }

  /** Estimated tokens of a plain text for `model` (scaled for non-OpenAI models). */
  countText(text: string, model: string): number {
    const choice = this.encodingFor(model);
    return Math.round(this.encode(text, choice.encoding).length * choice.factor);
  }

  /**
   * The prompt as token counts + prefix hashes + cacheable blocks, for `model` (default: the request's model).
   * `format` (a wire format or its stored name) says how to read the request; embeddings requests are read by
   * `endpoint`.
   */
  renderPrompt(request: unknown, format: WireFormat | string, model?: string, endpoint?: Endpoint): RenderedPrompt {
    const body = asRecord(request) ?? {};
    const choice = this.encodingFor(model ?? asString(body.model) ?? '');
    const sink = new TokenPromptSink((text) => this.encode(text, choice.encoding));
    const wire = typeof format === 'string' ? findFormat(format) : format;
    if (
      endpoint === 'embeddings' ||
      !wire ||
      (endpoint === undefined && 'input' in body && !('messages' in body) && wire.name === 'openai-chat')
    ) {
      renderEmbeddingsInput(sink, body);
    } else {
      wire.analysis.renderPrompt(sink, body, TOOL_OVERHEAD[choice.encoding]);
    }
    return sink.finish(choice.factor);
  }

  /** Estimated prompt tokens of a chat request in any format, overheads included (§7.2). */
  countChatPromptTokens(request: unknown, format: WireFormat | string, model?: string): number {
    const wire = typeof format === 'string' ? findFormat(format) : format;
    return this.renderPrompt(request, wire ?? format, model, wire?.endpoint ?? 'chat.completions').tokens;
  }

  /**
   * Estimated completion tokens from the assembled response: text, refusals, visible reasoning/thinking, tool-call
   * names and arguments. Hidden reasoning tokens are not in the response, so reasoning models count low.
   * Embeddings responses count 0.
   */
  countCompletionTokens(response: unknown, format: WireFormat | string, model?: string): number {
    const body = asRecord(response);
    const wire = typeof format === 'string' ? findFormat(format) : format;
    if (!body || !wire) return 0;
    const choice = this.encodingFor(model ?? asString(body.model) ?? '');
    let raw = 0;
    for (const text of wire.analysis.outputTexts(body))
      raw += text.length === 0 ? 0 : this.encode(text, choice.encoding).length;
    return Math.round(raw * choice.factor);
  }
}

/** An embeddings request: the input text(s) or token arrays, no overheads. */
function renderEmbeddingsInput(sink: TokenPromptSink, request: Json): void {
  const input = request.input;
  const items: readonly unknown[] =
    Array.isArray(input) && !input.every((x) => typeof x === 'number') ? input : [input];
  for (const item of items) {
    if (typeof item === 'string') sink.text(item);
    else if (Array.isArray(item)) sink.marker(item.length, MARK_MESSAGE);
  }
}

/** Cheap pre-check for LONG_RUN_RE: is there a run of ≥ LONG_RUN characters without ASCII whitespace? */
function hasLongRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13) run = 0;
    else if (++run >= LONG_RUN) return true;
  }
  return false;
}

function append(target: number[], more: readonly number[]): void {
  for (let i = 0; i < more.length; i++) target.push(more[i]);
}

/** ~4 characters per token for texts too large to tokenise; ids are chunk hashes so prefixes still compare. */
function approximateIds(text: string): number[] {
  const ids: number[] = [];
  for (let i = 0; i < text.length; i += 4) {
    let h = 0x811c9dc5;
    for (let j = i; j < i + 4 && j < text.length; j++) h = Math.imul(h ^ text.charCodeAt(j), 0x01000193);
    ids.push(h >>> 0);
  }
  return ids;
}
