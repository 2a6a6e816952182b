import type {
  NormalizedUsage,
  OpenAIChatChunk,
  OpenAIChatCompletion,
  OpenAIFinishReason,
  OpenAIUsage,
  SseEvent,
} from '@lessllm/shared';
import { encodeSse } from '@lessllm/shared';
import { argumentsFor } from '../common/custom-tools';
import { normalizeOpenAIErrorBody, openaiErrorBody } from '../common/errors';
import { mintOpaqueId, respell, unixSeconds } from '../common/ids';
import { stopReasonFromOpenAI, stopReasonToOpenAI } from '../common/stop-reasons';
import { normalizeOpenAIUsage, openaiUsageFrom, ZERO_USAGE } from '../common/usage';
import type { IRStopReason } from '../ir/chat';
import type { NormalizedError } from '../ir/errors';
import { NullSink, type StreamSink } from '../ir/stream-sink';
import {
  STREAM_DONE,
  type EncodedEvent,
  type Json,
  type NativeEvent,
  type StreamAssembler,
  type StreamDecoder,
  type StreamEncoder,
} from '../wire-format';
import { customToolNames } from './custom-tool-names';

const DONE_FRAME = 'data: [DONE]\n\n';

/** `data: [DONE]` is the end marker; anything that is not JSON is nothing a client could use. */
export function parseChatEvent(sse: SseEvent): NativeEvent | null {
  if (sse.data === '[DONE]') return STREAM_DONE;
  try {
    const parsed = JSON.parse(sse.data) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : null;
  } catch {
    return null;
  }
}

/** Chat chunks as internal stream calls (choice 0 only: other formats have a single choice). */
export class ChatStreamDecoder implements StreamDecoder {
  private started = false;
  private readonly seenTools = new Set<number>();

  push(event: NativeEvent, sink: StreamSink): void {
    if (event === STREAM_DONE) return sink.end();
    // A stream error has no HTTP status of its own (0): httpStatusOf() derives one from its type when needed.
    if (event.error && typeof event.error === 'object') return sink.error(normalizeOpenAIErrorBody(event, 0));
    const chunk = event as unknown as OpenAIChatChunk;
    if (!this.started) {
      this.started = true;
      sink.start({ id: chunk.id, model: chunk.model });
    }
    if (chunk.usage) sink.usage(chunk.usage, normalizeOpenAIUsage(chunk.usage));
    const choices = chunk.choices;
    if (!Array.isArray(choices)) return;
    for (const choice of choices) {
      if ((choice.index ?? 0) !== 0) continue;
      const delta = (choice.delta ?? {}) as OpenAIChatChunk['choices'][number]['delta'] & Json;
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content)
        sink.reasoning(delta.reasoning_content);
      if (delta.content) sink.text(delta.content);
      if (delta.refusal) sink.refusal(delta.refusal);
      for (const call of delta.tool_calls ?? []) {
        if (!this.seenTools.has(call.index)) {
          this.seenTools.add(call.index);
          sink.toolCallStart(call.index, call.id || mintOpaqueId('call_'), call.function?.name ?? '');
        }
        const fragment = call.function?.arguments;
        if (fragment) sink.toolCallDelta(call.index, fragment);
      }
      if (choice.finish_reason) sink.finish(stopReasonFromOpenAI(choice.finish_reason));
    }
  }
}

type ChunkDelta = OpenAIChatChunk['choices'][number]['delta'];

/** Internal stream calls as chat chunks, for a Chat Completions caller served by another format (§3.4). */
export class ChatStreamEncoder extends NullSink implements StreamEncoder {
  private readonly created: number;
  private id: string | null = null;
  private usageSoFar: NormalizedUsage | null = null;
  /** Decoder tool index -> chat tool call index (0, 1, ... counting tool calls only). */
  private readonly toolIndex = new Map<number, number>();
  /** Tools the caller declared as custom: their arguments are buffered and unwrapped (see custom-tools.ts). */
  private readonly custom: Set<string>;
  private readonly buffered = new Map<number, { id: string; name: string; args: string }>();
  private finishSent = false;
  private ended = false;
  private out: EncodedEvent[] = [];

  constructor(private readonly opts: { model: string; request: Json; includeUsage: boolean; created?: number }) {
    super();
    this.custom = customToolNames(opts.request);
    this.created = opts.created ?? unixSeconds();
  }

  take(): EncodedEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  override start(info: { id?: string }): void {
    if (this.id !== null) return;
    this.id = info.id ? respell(info.id, 'chatcmpl-', ['msg_']) : mintOpaqueId('chatcmpl-');
    this.chunk({ role: 'assistant', content: '' });
  }

  override text(delta: string): void {
    if (this.ended || !delta) return;
    this.ensureStarted();
    this.chunk({ content: delta });
  }

  override refusal(delta: string): void {
    if (this.ended || !delta) return;
    this.ensureStarted();
    this.chunk({ refusal: delta });
  }

  override toolCallStart(index: number, id: string, name: string): void {
    if (this.ended) return;
    this.ensureStarted();
    const toolIndex = this.toolIndex.size;
    this.toolIndex.set(index, toolIndex);
    if (this.custom.has(name)) {
      this.buffered.set(index, { id, name, args: '' });
      return;
    }
    this.chunk({ tool_calls: [{ index: toolIndex, id, type: 'function', function: { name, arguments: '' } }] });
  }

  override toolCallDelta(index: number, fragment: string): void {
    if (this.ended) return;
    const buffered = this.buffered.get(index);
    if (buffered) {
      buffered.args += fragment;
      return;
    }
    const toolIndex = this.toolIndex.get(index);
    if (toolIndex === undefined || !fragment) return;
    this.chunk({ tool_calls: [{ index: toolIndex, function: { arguments: fragment } }] });
  }

  override usage(_raw: unknown, normalized: NormalizedUsage): void {
    this.usageSoFar = normalized;
  }

  override finish(reason: IRStopReason | null): void {
    if (this.ended || reason === null || this.finishSent) return;
    this.ensureStarted();
    this.flushCustom();
    this.finishChunk(stopReasonToOpenAI(reason) ?? 'stop');
  }

  override error(error: NormalizedError): void {
    if (this.ended) return;
    this.ended = true;
    this.out.push({ event: null, frame: encodeSse(JSON.stringify(openaiErrorBody(error))) });
  }

  override end(): void {
    if (this.ended) return;
    this.ensureStarted();
    this.flushCustom();
    if (!this.finishSent) this.finishChunk('stop');
    if (this.opts.includeUsage) {
      const usage: OpenAIUsage = openaiUsageFrom(this.usageSoFar ?? ZERO_USAGE);
      this.emit({ ...this.envelope(), choices: [], usage });
    }
    this.out.push({ event: null, frame: DONE_FRAME });
    this.ended = true;
  }

  /** Output that arrives without a start still gets the opening role chunk. */
  private ensureStarted(): void {
    if (this.id === null) this.start({});
  }

  private flushCustom(): void {
    for (const [index, call] of this.buffered) {
      const toolIndex = this.toolIndex.get(index)!;
      const input = argumentsFor({ arguments: call.args }, true);
      this.chunk({
        tool_calls: [{ index: toolIndex, id: call.id, type: 'custom', custom: { name: call.name, input } } as never],
      });
    }
    this.buffered.clear();
  }

  private finishChunk(reason: OpenAIFinishReason): void {
    this.finishSent = true;
    this.chunk({}, reason);
  }

  private chunk(delta: ChunkDelta, finishReason: OpenAIFinishReason | null = null): void {
    const chunk: OpenAIChatChunk = {
      ...this.envelope(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    // As OpenAI does when include_usage is on: every chunk before the usage chunk carries usage: null.
    if (this.opts.includeUsage) chunk.usage = null;
    this.emit(chunk);
  }

  private emit(chunk: OpenAIChatChunk): void {
    this.out.push({ event: chunk, frame: encodeSse(JSON.stringify(chunk)) });
  }

  private envelope(): Pick<OpenAIChatChunk, 'id' | 'object' | 'created' | 'model'> {
    return { id: this.id ?? '', object: 'chat.completion.chunk', created: this.created, model: this.opts.model };
  }
}

interface ChoiceState {
  content: string;
  refusal: string;
  toolCalls: Map<number, { id: string; type: 'function'; function: { name: string; arguments: string } }>;
  finishReason: OpenAIFinishReason | null;
}

/** Rebuilds the chat completion a chunk stream amounted to (for call records). */
export class ChatStreamAssembler implements StreamAssembler {
  private id = '';
  private created = 0;
  private model = '';
  private systemFingerprint: string | null | undefined;
  /** The tier that served the call (`default`, `priority`, `flex`...): it changes the price. */
  private serviceTier: string | undefined;
  private readonly choices = new Map<number, ChoiceState>();
  private usage: OpenAIChatCompletion['usage'];

  push(event: Json): void {
    const chunk = event as unknown as OpenAIChatChunk;
    if (!this.id) {
      this.id = chunk.id;
      this.created = chunk.created;
      this.model = chunk.model;
    }
    const fingerprint = chunk.system_fingerprint;
    if (typeof fingerprint === 'string' || fingerprint === null) this.systemFingerprint = fingerprint;
    const tier = (chunk as { service_tier?: unknown }).service_tier;
    if (typeof tier === 'string') this.serviceTier = tier;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      const state = this.choiceState(choice.index);
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string') state.content += delta.content;
      if (typeof delta.refusal === 'string') state.refusal += delta.refusal;
      for (const fragment of delta.tool_calls ?? []) {
        const custom = (fragment as unknown as { custom?: { name?: string; input?: string } }).custom;
        const call = state.toolCalls.get(fragment.index) ?? {
          id: '',
          type: custom ? ('custom' as 'function') : 'function',
          function: { name: '', arguments: '' },
        };
        if (fragment.id) call.id = fragment.id;
        if (custom) {
          (call as unknown as Json).custom = { name: custom.name ?? '', input: custom.input ?? '' };
          state.toolCalls.set(fragment.index, call);
          continue;
        }
        // Some compatible servers repeat the name on every fragment, so it is replaced, not appended.
        if (fragment.function?.name) call.function.name = fragment.function.name;
        if (fragment.function?.arguments) call.function.arguments += fragment.function.arguments;
        state.toolCalls.set(fragment.index, call);
      }
      if (choice.finish_reason) state.finishReason = choice.finish_reason;
    }
  }

  result(): Json {
    const choices = sortedByKey(this.choices).map(([index, state]) => {
      const message: OpenAIChatCompletion['choices'][number]['message'] = {
        role: 'assistant',
        content: state.content || null,
        refusal: state.refusal || null,
      };
      const toolCalls = sortedByKey(state.toolCalls).map(([, c]) =>
        (c as unknown as Json).custom
          ? { id: c.id, type: 'custom', custom: (c as unknown as Json).custom }
          : { ...c, function: { ...c.function } },
      );
      if (toolCalls.length > 0) message.tool_calls = toolCalls as never;
      return { index, message, logprobs: null, finish_reason: state.finishReason };
    });
    const completion: OpenAIChatCompletion = {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices,
    };
    if (this.usage) completion.usage = this.usage;
    if (this.systemFingerprint !== undefined) completion.system_fingerprint = this.systemFingerprint;
    if (this.serviceTier !== undefined) (completion as { service_tier?: string }).service_tier = this.serviceTier;
    return completion;
  }

  private choiceState(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (!state) {
      state = { content: '', refusal: '', toolCalls: new Map(), finishReason: null };
      this.choices.set(index, state);
    }
    return state;
  }
}

export function sortedByKey<V>(map: Map<number, V>): Array<[number, V]> {
  return [...map.entries()].sort(([a], [b]) => a - b);
}

/** Same-format pass-through: the usage-only chunk we asked for on the caller's behalf is not theirs to see. */
export function forwardChatEvent(event: NativeEvent, opts: { callerWantsUsage: boolean }): boolean {
  if (event === STREAM_DONE || opts.callerWantsUsage) return true;
  const choices = event.choices;
  const usageOnly = (!Array.isArray(choices) || choices.length === 0) && !!event.usage;
  return !usageOnly;
}

export function chatErrorFrames(error: NormalizedError): string[] {
  return [encodeSse(JSON.stringify(openaiErrorBody(error)))];
}
