import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicStreamEvent,
  AnthropicUsage,
  NormalizedUsage,
  SseEvent,
} from '@lessllm/shared';
import { encodeSse } from '@lessllm/shared';
import { anthropicTypeOf, normalizeAnthropicStreamError } from '../common/errors';
import { field, isRecord, stringField } from '../common/guards';
import { mintOpaqueId, respell } from '../common/ids';
import { stopReasonFromAnthropic, stopReasonToAnthropic } from '../common/stop-reasons';
import { anthropicUsageFrom, normalizeAnthropicUsage } from '../common/usage';
import type { IRStopReason } from '../ir/chat';
import type { NormalizedError } from '../ir/errors';
import { NullSink, type StreamSink } from '../ir/stream-sink';
import type { EncodedEvent, Json, NativeEvent, StreamAssembler, StreamDecoder, StreamEncoder } from '../wire-format';
import { STREAM_DONE } from '../wire-format';

export function parseMessagesEvent(sse: SseEvent): NativeEvent | null {
  try {
    const parsed = JSON.parse(sse.data) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    const event = parsed as Json;
    // Some servers name the event only in the `event:` line.
    if (typeof event.type !== 'string' && sse.event) event.type = sse.event;
    return event;
  } catch {
    return null;
  }
}

function stripNulls<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

/** Anthropic events as internal stream calls; usage is cumulative (message_start, then each message_delta). */
export class MessagesStreamDecoder implements StreamDecoder {
  private usageRaw: AnthropicUsage | null = null;
  private readonly toolBlocks = new Set<number>();

  push(event: NativeEvent, sink: StreamSink): void {
    if (event === STREAM_DONE) return;
    const e = event as unknown as AnthropicStreamEvent;
    switch (e.type) {
      case 'message_start': {
        sink.start({ id: e.message?.id, model: e.message?.model });
        if (e.message?.usage) this.setUsage({ ...e.message.usage }, sink);
        return;
      }
      case 'content_block_start':
        return this.blockStart(e.index, e.content_block, sink);
      case 'content_block_delta':
        return this.blockDelta(e.index, e.delta, sink);
      case 'message_delta':
        // Cumulative counts: the latest value wins, and only the fields present are updated.
        if (e.usage)
          this.setUsage({ ...(this.usageRaw ?? { input_tokens: 0, output_tokens: 0 }), ...stripNulls(e.usage) }, sink);
        if (e.delta?.stop_reason)
          sink.finish(stopReasonFromAnthropic(e.delta.stop_reason), e.delta.stop_sequence ?? null);
        return;
      case 'message_stop':
        return sink.end();
      case 'error':
        return sink.error(normalizeAnthropicStreamError(isRecord(e.error) ? e.error : {}));
      default:
        return; // ping, content_block_stop, and event types added after this was written
    }
  }

  private setUsage(raw: AnthropicUsage, sink: StreamSink): void {
    this.usageRaw = raw;
    sink.usage(raw, normalizeAnthropicUsage(raw));
  }

  private blockStart(index: number, block: AnthropicContentBlock, sink: StreamSink): void {
    if (block?.type === 'tool_use') {
      this.toolBlocks.add(index);
      sink.toolCallStart(index, stringField(block, 'id') ?? '', stringField(block, 'name') ?? '');
      return;
    }
    if (block?.type === 'text') {
      const initial = stringField(block, 'text');
      if (initial) sink.text(initial);
      return;
    }
    if (block?.type === 'redacted_thinking')
      sink.reasoningSignature({ redactedData: stringField(block, 'data') ?? '' });
  }

  private blockDelta(index: number, delta: object, sink: StreamSink): void {
    switch (field(delta, 'type')) {
      case 'text_delta': {
        const text = stringField(delta, 'text');
        if (text) sink.text(text);
        return;
      }
      case 'input_json_delta': {
        const fragment = stringField(delta, 'partial_json');
        if (fragment && this.toolBlocks.has(index)) sink.toolCallDelta(index, fragment);
        return;
      }
      case 'thinking_delta': {
        const thinking = stringField(delta, 'thinking');
        if (thinking) sink.reasoning(thinking);
        return;
      }
      case 'signature_delta':
        sink.reasoningSignature({ signature: stringField(delta, 'signature') ?? '' });
        return;
    }
  }
}

type OpenBlock = { index: number; kind: 'text' | 'tool_use' | 'thinking' };

/**
 * Internal stream calls as Anthropic events, for a Messages caller served by another format (providers.md §3.4).
 * message_delta waits for the end: OpenAI's usage chunk comes after its finish_reason.
 */
export class MessagesStreamEncoder extends NullSink implements StreamEncoder {
  private started = false;
  private ended = false;
  private nextBlockIndex = 0;
  private openBlock: OpenBlock | null = null;
  /** Decoder tool index -> Anthropic block index. */
  private readonly blockByTool = new Map<number, number>();
  private finishReason: IRStopReason | null = null;
  private usageSoFar: NormalizedUsage | null = null;
  private out: EncodedEvent[] = [];

  constructor(private readonly opts: { model: string }) {
    super();
  }

  take(): EncodedEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  override start(info: { id?: string }): void {
    if (this.started) return;
    this.started = true;
    // Input usage is unknown until the upstream's end, so it starts at zero and is reported in message_delta.
    const usage: AnthropicUsage = {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    this.emit({
      type: 'message_start',
      message: {
        id: info.id ? respell(info.id, 'msg_', []) : mintOpaqueId('msg_'),
        type: 'message',
        role: 'assistant',
        model: this.opts.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage,
      },
    });
  }

  override text(delta: string): void {
    if (this.ended || !delta) return;
    const index = this.ensureBlock('text');
    this.emit({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: delta } });
  }

  override refusal(delta: string): void {
    this.text(delta);
  }

  override reasoning(delta: string): void {
    if (this.ended || !delta) return;
    const index = this.ensureBlock('thinking');
    this.emit({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: delta } });
  }

  override toolCallStart(index: number, id: string, name: string): void {
    if (this.ended) return;
    this.ensureStarted();
    this.closeOpenBlock();
    const blockIndex = this.openNewBlock('tool_use');
    this.blockByTool.set(index, blockIndex);
    this.emit({
      type: 'content_block_start',
      index: blockIndex,
      content_block: { type: 'tool_use', id: id || mintOpaqueId('toolu_'), name, input: {} },
    });
  }

  override toolCallDelta(index: number, fragment: string): void {
    if (this.ended) return;
    const blockIndex = this.blockByTool.get(index);
    // A fragment for a call whose block is already closed cannot be delivered; OpenAI does not interleave calls.
    if (!fragment || blockIndex === undefined || this.openBlock?.index !== blockIndex) return;
    this.emit({
      type: 'content_block_delta',
      index: blockIndex,
      delta: { type: 'input_json_delta', partial_json: fragment },
    });
  }

  override usage(_raw: unknown, normalized: NormalizedUsage): void {
    this.usageSoFar = normalized;
  }

  override finish(reason: IRStopReason | null): void {
    if (this.ended) return;
    this.closeOpenBlock();
    if (reason !== null) this.finishReason = reason;
  }

  override error(error: NormalizedError): void {
    if (this.ended) return;
    this.ended = true;
    this.emit({ type: 'error', error: { type: anthropicTypeOf(error), message: error.message } });
  }

  override end(): void {
    if (this.ended) return;
    this.ensureStarted();
    this.closeOpenBlock();
    // Without any usage from upstream only output_tokens (0) is claimed, as Anthropic requires the field.
    const usage = this.usageSoFar ? anthropicUsageFrom(this.usageSoFar) : { output_tokens: 0 };
    this.emit({
      type: 'message_delta',
      delta: { stop_reason: stopReasonToAnthropic(this.finishReason), stop_sequence: null },
      usage: usage,
    });
    this.emit({ type: 'message_stop' });
    this.ended = true;
  }

  private ensureStarted(): void {
    if (!this.started) this.start({});
  }

  private ensureBlock(kind: 'text' | 'thinking'): number {
    this.ensureStarted();
    if (this.openBlock?.kind === kind) return this.openBlock.index;
    this.closeOpenBlock();
    const index = this.openNewBlock(kind);
    const content_block =
      kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
    this.emit({ type: 'content_block_start', index, content_block });
    return index;
  }

  private openNewBlock(kind: OpenBlock['kind']): number {
    const index = this.nextBlockIndex++;
    this.openBlock = { index, kind };
    return index;
  }

  private closeOpenBlock(): void {
    if (!this.openBlock) return;
    this.emit({ type: 'content_block_stop', index: this.openBlock.index });
    this.openBlock = null;
  }

  private emit(event: AnthropicStreamEvent): void {
    this.out.push({ event: event, frame: encodeSse(JSON.stringify(event), event.type) });
  }
}

interface BlockState {
  block: Record<string, unknown>;
  /** Concatenated input_json_delta fragments not yet parsed; null when none arrived since the last parse. */
  partialJson: string | null;
}

/** Rebuilds the message an Anthropic event stream amounted to (for call records). */
export class MessagesStreamAssembler implements StreamAssembler {
  private message: AnthropicMessage | null = null;
  private readonly blocks = new Map<number, BlockState>();

  push(event: Json): void {
    const e = event as unknown as AnthropicStreamEvent;
    switch (e.type) {
      case 'message_start':
        this.message = { ...e.message, content: [], usage: { ...e.message.usage } };
        return;
      case 'content_block_start':
        this.blocks.set(e.index, { block: { ...(e.content_block as Record<string, unknown>) }, partialJson: null });
        return;
      case 'content_block_delta':
        this.applyDelta(e.index, e.delta);
        return;
      case 'content_block_stop': {
        const state = this.blocks.get(e.index);
        if (state) this.blocks.set(e.index, { block: finishedBlock(state), partialJson: null });
        return;
      }
      case 'message_delta': {
        const message = this.base();
        message.stop_reason = e.delta?.stop_reason ?? message.stop_reason;
        message.stop_sequence = e.delta?.stop_sequence ?? message.stop_sequence;
        // Counts are cumulative: the latest value wins; absent or null fields keep the earlier value.
        for (const [key, value] of Object.entries(e.usage ?? {})) {
          if (value !== null && value !== undefined) message.usage[key] = value;
        }
        return;
      }
    }
  }

  result(): Json {
    const base = this.base();
    const content = [...this.blocks.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, state]) => finishedBlock(state) as AnthropicContentBlock);
    return { ...base, content, usage: { ...base.usage } };
  }

  /** The message id seen so far (error frames name it). */
  get id(): string {
    return this.message?.id ?? '';
  }

  private base(): AnthropicMessage {
    this.message ??= {
      id: '',
      type: 'message',
      role: 'assistant',
      model: '',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return this.message;
  }

  private applyDelta(index: number, delta: object): void {
    const state = this.blocks.get(index);
    if (!state) return;
    const { block } = state;
    switch (field(delta, 'type')) {
      case 'text_delta':
        block.text = (stringField(block, 'text') ?? '') + (stringField(delta, 'text') ?? '');
        return;
      case 'input_json_delta':
        state.partialJson = (state.partialJson ?? '') + (stringField(delta, 'partial_json') ?? '');
        return;
      case 'thinking_delta':
        block.thinking = (stringField(block, 'thinking') ?? '') + (stringField(delta, 'thinking') ?? '');
        return;
      case 'signature_delta':
        block.signature = stringField(delta, 'signature') ?? '';
        return;
      case 'citations_delta': {
        const citation = field(delta, 'citation');
        const earlier: unknown[] = Array.isArray(block.citations) ? block.citations : [];
        if (isRecord(citation)) block.citations = [...earlier, citation];
        return;
      }
    }
  }
}

/** The block with its streamed JSON input parsed; input that is not valid JSON is kept as the raw string. */
function finishedBlock(state: BlockState): Record<string, unknown> {
  if (state.partialJson === null || state.partialJson.trim() === '') return { ...state.block };
  let input: unknown;
  try {
    input = JSON.parse(state.partialJson);
  } catch {
    input = state.partialJson;
  }
  return { ...state.block, input };
}

export function messagesErrorFrames(error: NormalizedError): string[] {
  return [
    encodeSse(
      JSON.stringify({ type: 'error', error: { type: anthropicTypeOf(error), message: error.message } }),
      'error',
    ),
  ];
}
