import type { ApiFormat, Endpoint } from '@lessllm/shared';
import type { EncodingChoice, EncodingName } from './encodings';
import { DEFAULT_CORRECTION_FACTOR, encodingForModel, getEncoder } from './encodings';
import { asArray, asRecord, asString, isRecord, safeStringify } from './json';
import type { RenderedPrompt } from './prompt-sink';
import { PromptSink } from './prompt-sink';
import { renderAnthropicMessages } from './render-anthropic';
import { renderEmbeddingsInput, renderOpenAIChat } from './render-openai';
import { TOOL_OVERHEAD } from './tool-overhead';

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
   * `callerFormat` says how to read the request; embeddings requests are read by `endpoint`.
   */
  renderPrompt(request: unknown, callerFormat: ApiFormat, model?: string, endpoint?: Endpoint): RenderedPrompt {
    const body = asRecord(request) ?? {};
    const choice = this.encodingFor(model ?? asString(body.model) ?? '');
    const sink = new PromptSink((text) => this.encode(text, choice.encoding));
    const overhead = TOOL_OVERHEAD[choice.encoding];
    if (endpoint === 'embeddings' || (endpoint === undefined && 'input' in body && !('messages' in body))) {
      renderEmbeddingsInput(sink, body);
    } else if (callerFormat === 'anthropic') {
      renderAnthropicMessages(sink, body, overhead);
    } else {
      renderOpenAIChat(sink, body, overhead);
    }
    return sink.finish(choice.factor);
  }

  /** Estimated prompt tokens of a chat request (OpenAI or Anthropic shape), overheads included (§7.2). */
  countChatPromptTokens(request: unknown, callerFormat: ApiFormat, model?: string): number {
    return this.renderPrompt(
      request,
      callerFormat,
      model,
      callerFormat === 'anthropic' ? 'messages' : 'chat.completions',
    ).tokens;
  }

  /**
   * Estimated completion tokens from the assembled response: text, refusals, visible reasoning/thinking, tool-call
   * names and arguments. Hidden reasoning tokens are not in the response, so reasoning models count low.
   * Embeddings responses count 0.
   */
  countCompletionTokens(response: unknown, callerFormat: ApiFormat, model?: string): number {
    const body = asRecord(response);
    if (!body) return 0;
    const choice = this.encodingFor(model ?? asString(body.model) ?? '');
    const texts: string[] = [];
    const openai = Array.isArray(body.choices);
    const anthropic = Array.isArray(body.content);
    if (openai && (callerFormat === 'openai' || !anthropic)) collectOpenAIOutput(body, texts);
    else if (anthropic) collectAnthropicOutput(body, texts);
    let raw = 0;
    for (const text of texts) raw += text.length === 0 ? 0 : this.encode(text, choice.encoding).length;
    return Math.round(raw * choice.factor);
  }
}

function collectOpenAIOutput(body: Record<string, unknown>, texts: string[]): void {
  for (const c of asArray(body.choices)) {
    const choice = asRecord(c);
    const message = asRecord(choice?.message) ?? asRecord(choice?.delta);
    if (!message) continue;
    const content = message.content;
    if (typeof content === 'string') texts.push(content);
    else for (const part of asArray(content)) texts.push(asString(asRecord(part)?.text) ?? '');
    for (const key of ['refusal', 'reasoning_content', 'reasoning']) {
      const value = asString(message[key]);
      if (value) texts.push(value);
    }
    for (const call of asArray(message.tool_calls)) {
      const fn = asRecord(asRecord(call)?.function);
      texts.push(asString(fn?.name) ?? '', asString(fn?.arguments) ?? '');
    }
    const legacy = asRecord(message.function_call);
    if (legacy) texts.push(asString(legacy.name) ?? '', asString(legacy.arguments) ?? '');
  }
}

function collectAnthropicOutput(body: Record<string, unknown>, texts: string[]): void {
  for (const b of asArray(body.content)) {
    if (!isRecord(b)) continue;
    if (b.type === 'text') texts.push(asString(b.text) ?? '');
    else if (b.type === 'thinking') texts.push(asString(b.thinking) ?? '');
    else if (b.type === 'tool_use' || b.type === 'server_tool_use') {
      texts.push(asString(b.name) ?? '', safeStringify(b.input ?? {}));
    }
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
