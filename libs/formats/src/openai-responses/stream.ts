import type { NormalizedUsage, ResponsesResponse, ResponsesUsage, SseEvent } from '@lessllm/shared';
import { argumentsFor } from '../common/custom-tools';
import { isRecord } from '../common/guards';
import { mintOpaqueId } from '../common/ids';
import { str } from '../common/json';
import { textPieces } from '../common/text-pieces';
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
import { ResponsesEventWriter } from './event-writer';
import { namespacedTools } from './namespaces';
import { packAnthropicThinking } from './reasoning-pack';
import {
  normalizeResponsesUsage,
  responseEnvelope,
  responsesCustomTools,
  responsesUsageFrom,
  statusFor,
  withOutputText,
} from './response';

export function parseResponsesEvent(sse: SseEvent): NativeEvent | null {
  if (sse.data === '[DONE]') return STREAM_DONE; // not sent by OpenAI ⚠, tolerated
  try {
    const parsed = JSON.parse(sse.data) as unknown;
    if (!isRecord(parsed)) return null;
    if (typeof parsed.type !== 'string' && sse.event) parsed.type = sse.event;
    return parsed;
  } catch {
    return null;
  }
}

/** `response.failed.response.error.code` / an `error` event as a NormalizedError (stream errors carry no status). */
function responsesError(error: unknown, fallback = 'upstream error'): NormalizedError {
  const e = isRecord(error) ? error : {};
  const code = typeof e.code === 'string' ? e.code : null;
  const type =
    typeof e.type === 'string'
      ? e.type
      : code === 'rate_limit_exceeded'
        ? 'rate_limit_error'
        : code === 'insufficient_quota'
          ? 'insufficient_quota'
          : code === 'context_length_exceeded' || code === 'invalid_prompt'
            ? 'invalid_request_error'
            : 'server_error';
  return {
    status: 0,
    message: typeof e.message === 'string' ? e.message : fallback,
    type,
    code,
    param: typeof e.param === 'string' ? e.param : null,
  };
}

/** Responses events as internal stream calls (responses-api.md §4). */
export class ResponsesStreamDecoder implements StreamDecoder {
  private readonly calls = new Map<number, { deltas: boolean }>();
  private calledTools = false;
  private ended = false;

  push(event: NativeEvent, sink: StreamSink): void {
    if (event === STREAM_DONE || this.ended) return;
    const index = typeof event.output_index === 'number' ? event.output_index : 0;
    switch (event.type) {
      case 'response.created': {
        const response = isRecord(event.response) ? event.response : {};
        return sink.start({ id: response.id as string | undefined, model: response.model as string | undefined });
      }
      case 'response.output_item.added':
        return this.itemAdded(index, isRecord(event.item) ? event.item : {}, sink);
      case 'response.output_text.delta':
        if (typeof event.delta === 'string' && event.delta) sink.text(event.delta);
        return;
      case 'response.refusal.delta':
        if (typeof event.delta === 'string' && event.delta) sink.refusal(event.delta);
        return;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        if (typeof event.delta === 'string' && event.delta) sink.reasoning(event.delta);
        return;
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta': {
        const call = this.calls.get(index);
        if (call && typeof event.delta === 'string' && event.delta) {
          call.deltas = true;
          sink.toolCallDelta(index, event.delta);
        }
        return;
      }
      case 'response.output_item.done':
        return this.itemDone(index, isRecord(event.item) ? event.item : {}, sink);
      case 'response.completed':
      case 'response.incomplete':
        return this.finished(isRecord(event.response) ? event.response : {}, sink);
      case 'response.failed': {
        this.ended = true;
        const response = isRecord(event.response) ? event.response : {};
        return sink.error(responsesError(response.error, 'the response failed'));
      }
      case 'error':
        this.ended = true;
        return sink.error(responsesError(isRecord(event.error) ? event.error : event));
      default:
        return; // created/in_progress/queued, part and done events: the deltas carried their content
    }
  }

  private itemAdded(index: number, item: Json, sink: StreamSink): void {
    if (item.type !== 'function_call' && item.type !== 'custom_tool_call') return;
    this.calledTools = true;
    this.calls.set(index, { deltas: false });
    sink.toolCallStart(
      index,
      str(item.call_id) || str(item.id) || mintOpaqueId('call_'),
      str(item.name),
      item.type === 'custom_tool_call',
    );
  }

  private itemDone(index: number, item: Json, sink: StreamSink): void {
    if (item.type === 'reasoning') {
      const encrypted = typeof item.encrypted_content === 'string' ? item.encrypted_content : undefined;
      if (encrypted) sink.reasoningSignature({ encrypted, ...(typeof item.id === 'string' ? { id: item.id } : {}) });
      return;
    }
    if (item.type !== 'function_call' && item.type !== 'custom_tool_call') return;
    // Servers that send the call whole in `.done` (no added, no deltas) still deliver it.
    if (!this.calls.has(index)) this.itemAdded(index, item, sink);
    const call = this.calls.get(index)!;
    const whole = item.type === 'custom_tool_call' ? item.input : item.arguments;
    if (!call.deltas && typeof whole === 'string' && whole) sink.toolCallDelta(index, whole);
  }

  private finished(response: Json, sink: StreamSink): void {
    this.ended = true;
    if (isRecord(response.usage))
      sink.usage(response.usage, normalizeResponsesUsage(response.usage as unknown as ResponsesUsage));
    const incomplete = isRecord(response.incomplete_details) ? response.incomplete_details.reason : undefined;
    const reason: IRStopReason =
      response.status === 'incomplete'
        ? incomplete === 'content_filter'
          ? 'content_filter'
          : 'length'
        : this.calledTools
          ? 'tool_calls'
          : 'stop';
    sink.finish(reason);
    sink.end();
  }
}

type OpenItem =
  | { kind: 'message'; index: number; id: string; parts: Array<{ type: 'output_text' | 'refusal'; text: string }> }
  | {
      kind: 'reasoning';
      index: number;
      id: string;
      text: string;
      signature?: string;
      redactedData?: string;
      encrypted?: string;
    }
  | {
      kind: 'call';
      index: number;
      id: string;
      callId: string;
      name: string;
      args: string;
      custom: boolean;
      buffered: boolean;
      irCustom: boolean;
    };

/**
 * Internal stream calls as Responses events, for a Responses caller served by another format (responses-api.md
 * §8.3): output items open and close as the content changes kind; the terminal event carries the whole response.
 */
export class ResponsesStreamEncoder extends NullSink implements StreamEncoder {
  private readonly writer = new ResponsesEventWriter();
  private readonly customTools: Set<string>;
  private readonly namespaces: ReturnType<typeof namespacedTools>;
  private response: ResponsesResponse | null = null;
  private readonly done: Json[] = [];
  private open: OpenItem | null = null;
  private readonly callsByIndex = new Map<number, OpenItem & { kind: 'call' }>();
  private reason: IRStopReason | null = null;
  private usageSoFar: NormalizedUsage | null = null;
  private ended = false;

  constructor(private readonly opts: { model: string; request: Json }) {
    super();
    this.customTools = responsesCustomTools(opts.request);
    this.namespaces = namespacedTools(opts.request);
  }

  take(): EncodedEvent[] {
    return this.writer.take();
  }

  override start(): void {
    if (this.response) return;
    this.response = responseEnvelope(this.opts.request, { id: mintOpaqueId('resp_'), model: this.opts.model });
    this.writer.created(this.response);
  }

  override text(delta: string): void {
    this.content('output_text', delta);
  }

  override refusal(delta: string): void {
    this.content('refusal', delta);
  }

  override reasoning(delta: string): void {
    if (this.ended || !delta) return;
    const item = this.ensureReasoning();
    item.text += delta;
    this.writer.emit('response.reasoning_summary_text.delta', {
      item_id: item.id,
      output_index: item.index,
      summary_index: 0,
      delta,
    });
  }

  override reasoningSignature(signature: { signature?: string; encrypted?: string; redactedData?: string }): void {
    if (this.ended) return;
    const item = this.ensureReasoning();
    if (signature.signature) item.signature = signature.signature;
    if (signature.redactedData !== undefined) item.redactedData = signature.redactedData;
    if (signature.encrypted) item.encrypted = signature.encrypted;
  }

  override toolCallStart(index: number, id: string, name: string, custom?: boolean): void {
    if (this.ended) return;
    this.ensureStarted();
    this.close();
    const callerCustom = this.customTools.has(name);
    const item: OpenItem & { kind: 'call' } = {
      kind: 'call',
      index: this.nextIndex(),
      id: mintOpaqueId(callerCustom ? 'ctc_' : 'fc_'),
      callId: id || mintOpaqueId('call_'),
      name,
      args: '',
      custom: callerCustom,
      // Custom input and wrapped arguments only exist once the whole call is known (see custom-tools.ts).
      buffered: callerCustom !== (custom === true),
      irCustom: custom === true,
    };
    this.open = item;
    this.callsByIndex.set(index, item);
    this.writer.emit('response.output_item.added', {
      output_index: item.index,
      item: this.callItem(item, 'in_progress', ''),
    });
  }

  override toolCallDelta(index: number, fragment: string): void {
    if (this.ended || !fragment) return;
    const item = this.callsByIndex.get(index);
    if (!item) return;
    item.args += fragment;
    if (item.buffered || this.open !== item) return;
    const type = item.custom ? 'response.custom_tool_call_input.delta' : 'response.function_call_arguments.delta';
    this.writer.emit(type, { item_id: item.id, output_index: item.index, delta: fragment });
  }

  override usage(_raw: unknown, normalized: NormalizedUsage): void {
    this.usageSoFar = normalized;
  }

  override finish(reason: IRStopReason | null): void {
    if (this.ended) return;
    this.close();
    if (reason !== null) this.reason = reason;
  }

  override error(error: NormalizedError): void {
    if (this.ended) return;
    this.ended = true;
    this.ensureStarted();
    this.writer.failure(this.final(), {
      type: error.type,
      code: error.code ?? error.type,
      message: error.message,
      param: error.param,
    });
  }

  override end(): void {
    if (this.ended) return;
    this.ensureStarted();
    this.close();
    this.ended = true;
    const response = this.final();
    Object.assign(response, statusFor(this.reason));
    this.writer.terminal(withOutputText(response) as unknown as ResponsesResponse);
  }

  private final(): ResponsesResponse {
    const response = { ...this.response!, output: [...this.done] as ResponsesResponse['output'] };
    response.usage = this.usageSoFar ? responsesUsageFrom(this.usageSoFar) : null;
    return response;
  }

  private ensureStarted(): void {
    if (!this.response) this.start();
  }

  private nextIndex(): number {
    return this.done.length + (this.open ? 1 : 0);
  }

  private content(type: 'output_text' | 'refusal', delta: string): void {
    if (this.ended || !delta) return;
    this.ensureStarted();
    if (this.open?.kind !== 'message') {
      this.close();
      const item: OpenItem = { kind: 'message', index: this.nextIndex(), id: mintOpaqueId('msg_'), parts: [] };
      this.open = item;
      this.writer.emit('response.output_item.added', {
        output_index: item.index,
        item: { id: item.id, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
      });
    }
    const message = this.open;
    let part = message.parts[message.parts.length - 1];
    const base = { item_id: message.id, output_index: message.index };
    if (part?.type !== type) {
      part = { type, text: '' };
      message.parts.push(part);
      const empty = type === 'output_text' ? { type, text: '', annotations: [], logprobs: [] } : { type, refusal: '' };
      this.writer.emit('response.content_part.added', {
        ...base,
        content_index: message.parts.length - 1,
        part: empty,
      });
    }
    part.text += delta;
    const event = type === 'output_text' ? 'response.output_text.delta' : 'response.refusal.delta';
    this.writer.emit(event, {
      ...base,
      content_index: message.parts.length - 1,
      delta,
      ...(type === 'output_text' ? { logprobs: [] } : {}),
    });
  }

  private ensureReasoning(): OpenItem & { kind: 'reasoning' } {
    this.ensureStarted();
    if (this.open?.kind === 'reasoning') return this.open;
    this.close();
    const item: OpenItem & { kind: 'reasoning' } = {
      kind: 'reasoning',
      index: this.nextIndex(),
      id: mintOpaqueId('rs_'),
      text: '',
    };
    this.open = item;
    this.writer.emit('response.output_item.added', {
      output_index: item.index,
      item: { id: item.id, type: 'reasoning', summary: [] },
    });
    this.writer.emit('response.reasoning_summary_part.added', {
      item_id: item.id,
      output_index: item.index,
      summary_index: 0,
      part: { type: 'summary_text', text: '' },
    });
    return item;
  }

  /** Closes the open item: its `.done` events, then `output_item.done` with the whole item. */
  private close(): void {
    const item = this.open;
    if (!item) return;
    this.open = null;
    let done: Json;
    if (item.kind === 'message') {
      item.parts.forEach((part, contentIndex) => {
        const base = { item_id: item.id, output_index: item.index, content_index: contentIndex };
        if (part.type === 'output_text') {
          this.writer.emit('response.output_text.done', { ...base, text: part.text, logprobs: [] });
          this.writer.emit('response.content_part.done', {
            ...base,
            part: { type: 'output_text', text: part.text, annotations: [], logprobs: [] },
          });
        } else {
          this.writer.emit('response.refusal.done', { ...base, refusal: part.text });
          this.writer.emit('response.content_part.done', { ...base, part: { type: 'refusal', refusal: part.text } });
        }
      });
      done = {
        id: item.id,
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: item.parts.map((p) =>
          p.type === 'output_text'
            ? { type: 'output_text', text: p.text, annotations: [], logprobs: [] }
            : { type: 'refusal', refusal: p.text },
        ),
      };
    } else if (item.kind === 'reasoning') {
      const base = { item_id: item.id, output_index: item.index, summary_index: 0 };
      this.writer.emit('response.reasoning_summary_text.done', { ...base, text: item.text });
      this.writer.emit('response.reasoning_summary_part.done', {
        ...base,
        part: { type: 'summary_text', text: item.text },
      });
      done = { id: item.id, type: 'reasoning', summary: item.text ? [{ type: 'summary_text', text: item.text }] : [] };
      if (item.signature || item.redactedData !== undefined) {
        done.encrypted_content = packAnthropicThinking({
          ...(item.text ? { thinking: item.text } : {}),
          ...(item.signature ? { signature: item.signature } : {}),
          ...(item.redactedData !== undefined ? { data: item.redactedData } : {}),
        });
      } else if (item.encrypted) done.encrypted_content = item.encrypted;
    } else {
      const value = argumentsFor({ arguments: item.args, custom: item.irCustom }, item.custom);
      if (item.buffered && value) {
        const type = item.custom ? 'response.custom_tool_call_input.delta' : 'response.function_call_arguments.delta';
        this.writer.emit(type, { item_id: item.id, output_index: item.index, delta: value });
      }
      if (item.custom)
        this.writer.emit('response.custom_tool_call_input.done', {
          item_id: item.id,
          output_index: item.index,
          input: value,
        });
      else
        this.writer.emit('response.function_call_arguments.done', {
          item_id: item.id,
          output_index: item.index,
          arguments: value,
          name: item.name,
        });
      done = this.callItem(item, 'completed', value);
    }
    this.done.push(done);
    this.writer.emit('response.output_item.done', { output_index: item.index, item: done });
  }

  private callItem(item: OpenItem & { kind: 'call' }, status: string, value: string): Json {
    const ns = this.namespaces.get(item.name);
    const named = ns ? { name: ns.name, namespace: ns.namespace } : { name: item.name };
    return item.custom
      ? { id: item.id, type: 'custom_tool_call', status, call_id: item.callId, ...named, input: value }
      : { id: item.id, type: 'function_call', status, call_id: item.callId, ...named, arguments: value };
  }
}

/**
 * Rebuilds the Response a stream amounted to: the terminal event's `response` when it came; otherwise (a cut or
 * aborted stream, for the call record) what the events carried so far, status `incomplete`.
 */
export class ResponsesStreamAssembler implements StreamAssembler {
  private base: Json | null = null;
  private final: Json | null = null;
  private readonly items = new Map<number, Json>();
  private lastSequence = -1;

  push(event: Json): void {
    if (typeof event.sequence_number === 'number') this.lastSequence = event.sequence_number;
    const index = typeof event.output_index === 'number' ? event.output_index : 0;
    switch (event.type) {
      case 'response.created':
      case 'response.in_progress':
        if (isRecord(event.response)) this.base = event.response;
        return;
      case 'response.output_item.added':
      case 'response.output_item.done':
        if (isRecord(event.item)) this.items.set(index, structuredClone(event.item));
        return;
      case 'response.output_text.delta': {
        const item = this.items.get(index);
        if (!item || typeof event.delta !== 'string') return;
        const content = (Array.isArray(item.content) ? item.content : (item.content = [])) as Json[];
        const contentIndex = typeof event.content_index === 'number' ? event.content_index : 0;
        content[contentIndex] ??= { type: 'output_text', text: '', annotations: [] };
        content[contentIndex].text = str(content[contentIndex].text) + event.delta;
        return;
      }
      case 'response.function_call_arguments.delta': {
        const item = this.items.get(index);
        if (item && typeof event.delta === 'string') item.arguments = str(item.arguments) + event.delta;
        return;
      }
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        if (isRecord(event.response)) this.final = event.response;
        return;
    }
  }

  result(): Json {
    if (this.final) return this.final;
    const output = [...this.items.entries()].sort(([a], [b]) => a - b).map(([, item]) => item);
    return { ...(this.base ?? { object: 'response' }), status: 'incomplete', output, usage: null };
  }

  get responseId(): string {
    return typeof this.base?.id === 'string' ? this.base.id : '';
  }

  get sequence(): number {
    return this.lastSequence;
  }
}

/** The stream of a stored Response: created, each output item in full, then its terminal event. */
export function replayResponses(response: Json): string[] {
  const writer = new ResponsesEventWriter();
  const r = response as unknown as ResponsesResponse;
  writer.created(r);
  (Array.isArray(r.output) ? r.output : []).forEach((item, i) => writer.item(item, i, textPieces));
  writer.terminal(r);
  return writer.frames();
}

/** A mid-stream failure after `assembled` has seen part of a pass-through stream: continue its sequence. */
export function responsesErrorFrames(error: NormalizedError, assembled: StreamAssembler): string[] {
  const seen = assembled instanceof ResponsesStreamAssembler ? assembled : null;
  const writer = new ResponsesEventWriter((seen?.sequence ?? -1) + 1);
  const response = { ...(assembled.result() as unknown as ResponsesResponse) };
  writer.failure(response, {
    type: error.type,
    code: error.code ?? error.type,
    message: error.message,
    param: error.param,
  });
  return writer.frames();
}
