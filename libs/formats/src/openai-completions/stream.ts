import type { CompletionsResponse, NormalizedUsage, SseEvent } from '@lessllm/shared';
import { encodeSse } from '@lessllm/shared';
import { normalizeOpenAIErrorBody, openaiErrorBody } from '../common/errors';
import { mintOpaqueId, respell, unixSeconds } from '../common/ids';
import { stopReasonFromOpenAI, stopReasonToOpenAI } from '../common/stop-reasons';
import { textPieces } from '../common/text-pieces';
import { normalizeOpenAIUsage } from '../common/usage';
import type { IRStopReason } from '../ir/chat';
import type { NormalizedError } from '../ir/errors';
import { NullSink, type StreamSink } from '../ir/stream-sink';
import { parseChatEvent } from '../openai-chat/stream';
import {
  STREAM_DONE,
  type EncodedEvent,
  type Json,
  type NativeEvent,
  type StreamAssembler,
  type StreamDecoder,
  type StreamEncoder,
} from '../wire-format';
import { completionsUsageFrom } from './response';

/** Legacy completion chunks have the response's own shape, then `data: [DONE]` (responses-api.md §9). */
export const parseCompletionsEvent = (sse: SseEvent): NativeEvent | null => parseChatEvent(sse);

type Chunk = Partial<CompletionsResponse> & { choices?: CompletionsResponse['choices'] };

export class CompletionsStreamDecoder implements StreamDecoder {
  private started = false;

  push(event: NativeEvent, sink: StreamSink): void {
    if (event === STREAM_DONE) return sink.end();
    if (event.error && typeof event.error === 'object') return sink.error(normalizeOpenAIErrorBody(event, 0));
    const chunk = event as Chunk;
    if (!this.started) {
      this.started = true;
      sink.start({ id: chunk.id, model: chunk.model });
    }
    if (chunk.usage) sink.usage(chunk.usage, normalizeOpenAIUsage(chunk.usage));
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue;
      if (choice.text) sink.text(choice.text);
      if (choice.finish_reason) sink.finish(stopReasonFromOpenAI(choice.finish_reason));
    }
  }
}

/** Internal stream calls as legacy completion chunks, for a caller whose completion came from a chat model. */
export class CompletionsStreamEncoder extends NullSink implements StreamEncoder {
  private readonly created = unixSeconds();
  private id: string | null = null;
  private out: EncodedEvent[] = [];
  private usageSoFar: NormalizedUsage | null = null;
  private finishSent = false;
  private ended = false;

  constructor(private readonly opts: { model: string; includeUsage: boolean }) {
    super();
  }

  take(): EncodedEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  override start(info: { id?: string }): void {
    this.id ??= info.id ? respell(info.id, 'cmpl-', ['msg_', 'chatcmpl-']) : mintOpaqueId('cmpl-');
  }

  override text(delta: string): void {
    if (this.ended || !delta) return;
    this.chunk(delta, null);
  }

  override refusal(delta: string): void {
    this.text(delta);
  }

  override usage(_raw: unknown, normalized: NormalizedUsage): void {
    this.usageSoFar = normalized;
  }

  override finish(reason: IRStopReason | null): void {
    if (this.ended || reason === null || this.finishSent) return;
    this.finishSent = true;
    const finish = stopReasonToOpenAI(reason);
    this.chunk('', finish === 'length' || finish === 'content_filter' ? finish : 'stop');
  }

  override error(error: NormalizedError): void {
    if (this.ended) return;
    this.ended = true;
    this.out.push({ event: null, frame: encodeSse(JSON.stringify(openaiErrorBody(error))) });
  }

  override end(): void {
    if (this.ended) return;
    if (!this.finishSent) this.finish('stop');
    if (this.opts.includeUsage && this.usageSoFar) {
      this.emit({ ...this.envelope(), choices: [], usage: completionsUsageFrom(this.usageSoFar) });
    }
    this.out.push({ event: null, frame: 'data: [DONE]\n\n' });
    this.ended = true;
  }

  private chunk(text: string, finishReason: 'stop' | 'length' | 'content_filter' | null): void {
    this.emit({ ...this.envelope(), choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }] });
  }

  private emit(chunk: Json): void {
    this.out.push({ event: chunk, frame: encodeSse(JSON.stringify(chunk)) });
  }

  private envelope(): Json {
    this.start({});
    return { id: this.id, object: 'text_completion', created: this.created, model: this.opts.model };
  }
}

export class CompletionsStreamAssembler implements StreamAssembler {
  private base: Json | null = null;
  private readonly choices = new Map<number, { text: string; finish: string | null; logprobs: unknown }>();
  private usage: unknown = undefined;

  push(event: Json): void {
    const chunk = event as Chunk;
    this.base ??= { id: chunk.id, object: 'text_completion', created: chunk.created, model: chunk.model };
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      const state = this.choices.get(choice.index) ?? { text: '', finish: null, logprobs: null };
      if (typeof choice.text === 'string') state.text += choice.text;
      if (choice.finish_reason) state.finish = choice.finish_reason;
      this.choices.set(choice.index, state);
    }
  }

  result(): Json {
    const choices = [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, s]) => ({ index, text: s.text, logprobs: s.logprobs, finish_reason: s.finish }));
    return { ...(this.base ?? { object: 'text_completion' }), choices, ...(this.usage ? { usage: this.usage } : {}) };
  }
}

export function replayCompletions(response: Json, opts: { includeUsage: boolean }): string[] {
  const r = response as unknown as CompletionsResponse;
  const base = { id: r.id, object: 'text_completion', created: r.created, model: r.model };
  const frames: string[] = [];
  for (const choice of r.choices ?? []) {
    for (const text of textPieces(choice.text)) {
      frames.push(
        encodeSse(
          JSON.stringify({ ...base, choices: [{ index: choice.index, text, logprobs: null, finish_reason: null }] }),
        ),
      );
    }
    frames.push(
      encodeSse(
        JSON.stringify({
          ...base,
          choices: [{ index: choice.index, text: '', logprobs: null, finish_reason: choice.finish_reason }],
        }),
      ),
    );
  }
  if (opts.includeUsage && r.usage) frames.push(encodeSse(JSON.stringify({ ...base, choices: [], usage: r.usage })));
  frames.push('data: [DONE]\n\n');
  return frames;
}
