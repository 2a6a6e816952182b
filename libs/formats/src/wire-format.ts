import type { GatewayError, NormalizedUsage, RoutingInput, SseEvent, WireFormatName } from '@lessllm/shared';
import type { IRRequest, IRResponse } from './ir/chat';
import type { NormalizedError } from './ir/errors';
import type { StreamSink } from './ir/stream-sink';
import type { PromptSink, ToolOverhead } from './prompt/prompt-sink.port';
import type { TranslationContext } from './translation-context';

/** The wire formats the gateway speaks, to callers and to providers. */
export type FormatName = WireFormatName;

/** Whose conventions a format follows for error bodies, keys and headers. */
export type FormatFamily = 'openai' | 'anthropic';

/** Native JSON of a format (requests, answers, stream events): untrusted, narrowed by the format itself. */
export type Json = Record<string, unknown>;

export interface RequestFacet {
  /** Shape checks before anything is sent upstream: a 400 naming the first bad field (GatewayError). */
  validate(body: unknown): Json;
  model(body: Json): string;
  isStreaming(body: Json): boolean;
  /** The end user as the body names them (OpenAI `user`/`safety_identifier`, Anthropic `metadata.user_id`). */
  userId(body: Json): string | null;
  /** Whether a streaming caller asked for usage in the stream (OpenAI `stream_options.include_usage`). */
  wantsStreamUsage(body: Json): boolean;
  /** The same-format upstream body: the caller's, with the upstream model and the stream flags set. */
  forUpstream(body: Json, opts: { model: string; stream: boolean; streamUsage: boolean }): Json;
  /** Reads the request into the internal representation (only when it is translated). */
  toIR(body: Json, ctx: TranslationContext): IRRequest;
  /** Writes an internal request in this format, for an upstream that speaks it. */
  fromIR(ir: IRRequest, ctx: TranslationContext): Json;
}

export interface AnswerSummary {
  text: string;
  hasToolCalls: boolean;
  /** Stopped by the length limit. */
  cutOff: boolean;
  /** A complete, ordinary answer (not cut, filtered, refused, paused or partial): the only kind worth caching. */
  cacheable: boolean;
}

export interface ResponseFacet {
  /** Provider-reported usage of a complete answer: the raw object and its normalised reading. */
  usage(response: Json): { raw: unknown; normalized: NormalizedUsage } | null;
  /** The model the answer names. */
  model(response: Json): string | null;
  toIR(response: Json): IRResponse;
  /** An internal answer in this format; `request` is the caller's own request (some formats echo it). */
  fromIR(ir: IRResponse, ctx: { request: Json; model: string }): Json;
  /** The answer with its usage filled in (streams assembled without a usage chunk lack it). */
  withUsage(response: Json, usage: NormalizedUsage): Json;
  /** Text and outcome, for the router's cascade check and the cache. */
  summary(response: Json): AnswerSummary;
}

/** Turns internal stream calls into this format's events. */
export interface StreamEncoder extends StreamSink {
  /** The events produced since the last call, as SSE frames, in order. */
  take(): EncodedEvent[];
}

export interface EncodedEvent {
  /** The native event object (fed to the caller-format assembler); null for end markers. */
  event: Json | null;
  /** The SSE frame text. */
  frame: string;
}

/** Rebuilds the complete answer a stream of this format's events amounted to (for records and the cache). */
export interface StreamAssembler {
  push(event: Json): void;
  result(): Json;
}

/** Reads this format's native events into internal stream calls (stateful: e.g. Anthropic's cumulative usage). */
export interface StreamDecoder {
  push(event: NativeEvent, sink: StreamSink): void;
}

/** A parsed stream event, or the data-only end marker. */
export type NativeEvent = Json | typeof STREAM_DONE;

export interface StreamFacet {
  /** One SSE event as this format's native event; `STREAM_DONE` for a data-only end marker; null to ignore it. */
  parse(sse: SseEvent): NativeEvent | null;
  decoder(): StreamDecoder;
  /** An encoder for a caller of this format whose answer comes from another format. */
  encoder(opts: { model: string; request: Json; includeUsage: boolean }): StreamEncoder;
  assembler(): StreamAssembler;
  /** Same-format pass-through: false for events the caller must not see (e.g. a usage chunk we asked for). */
  forward(event: NativeEvent, opts: { callerWantsUsage: boolean }): boolean;
  /** The stream of a complete stored answer (cache hits, the cascade's buffered answer), as SSE frames. */
  replay(response: Json, opts: { includeUsage: boolean; request: Json }): string[];
  /** The frames that report an error mid-stream (the HTTP status is already 200). */
  errorFrames(error: NormalizedError, assembled: StreamAssembler): string[];
}

export interface ErrorFacet {
  /** An error body of this format (or garbage from a server claiming it) as a NormalizedError. */
  decode(body: unknown, status: number): NormalizedError;
  /** A NormalizedError as this format's error body (JSON text). */
  encode(error: NormalizedError, requestId?: string): string;
  /** The gateway's own error as this format's error body object. */
  fromGateway(error: GatewayError, requestId: string): Json;
}

export interface CacheFacet {
  /** The request reduced to what changes the answer, in one spelling (the exact cache keys on it). */
  canonical(body: Json): Json;
  /** Temperature 0 or equivalent (only such requests are cached by default). */
  deterministic(body: Json): boolean;
  /** The conversation as role/content turns plus everything else, for the semantic cache. */
  semanticView(body: Json): { messages: Array<{ role: string; content?: unknown }>; params: Json };
}

export interface AnalysisFacet {
  /** The text-only view of the request the router's classifiers score. */
  routingInput(body: Json): RoutingInput;
  /** JSON output was asked for through the API (the cascade then checks the answer parses). */
  wantsJson(body: Json): boolean;
  /** Writes the prompt, in the provider's cache order, into a token-counting sink. */
  renderPrompt(sink: PromptSink, body: Json, overhead: ToolOverhead): void;
  /** Every output text of an answer (visible text, reasoning, tool calls), for token estimates. */
  outputTexts(response: Json): string[];
  /** OpenAI prompt-cache routing hints: `prompt_cache_key` and 24h retention. */
  promptCacheHints(body: Json): { key: string; retention24h: boolean };
}

/** Token counting without generating (Anthropic `count_tokens`, Responses `input_tokens`). */
export interface CountingFacet {
  /** Recorded in `api_calls.endpoint`. */
  readonly endpoint: 'messages.count_tokens' | 'responses.input_tokens';
  validate(body: unknown): Json;
  /** The answer body for a count the gateway estimated itself. */
  answer(inputTokens: number): Json;
  /** The count in an upstream's answer (to record it). */
  read(answer: Json): number | null;
}

/** One wire format, as one unit behind one interface. Adding a format: one folder and one registry line. */
export interface WireFormat {
  readonly name: FormatName;
  readonly family: FormatFamily;
  /** The caller-facing route, as recorded in `api_calls.endpoint`. */
  readonly endpoint: 'chat.completions' | 'messages' | 'responses' | 'completions';
  readonly request: RequestFacet;
  readonly response: ResponseFacet;
  readonly stream: StreamFacet;
  readonly errors: ErrorFacet;
  readonly cache: CacheFacet;
  readonly analysis: AnalysisFacet;
  /** Present when the format has a token-counting endpoint. */
  readonly counting?: CountingFacet;
}

/** A data-only end marker (`data: [DONE]`). */
export const STREAM_DONE: unique symbol = Symbol('stream-done');
