import {
  AnthropicStreamAssembler,
  AnthropicToOpenAIStream,
  OpenAIStreamAssembler,
  OpenAIToAnthropicStream,
  normalizeAnthropicUsage,
  normalizeOpenAIUsage,
  type OpenAIStreamItem,
} from '@lessllm/providers';
import type {
  AnthropicStreamEvent,
  AnthropicUsage,
  ApiFormat,
  NormalizedUsage,
  OpenAIChatChunk,
  OpenAIUsage,
  SseEvent,
} from '@lessllm/shared';
import { encodeSse } from '@lessllm/shared';

export interface StreamOutcome {
  /** The message the caller received, assembled from the stream (caller format). */
  response: unknown;
  usage: NormalizedUsage | null;
  usageRaw: unknown;
  /** performance.now() when the first output delta arrived from upstream. */
  firstTokenAt: number | null;
  outputChunks: number;
  /** Set when upstream sent an error event mid-stream. */
  error: { type: string; message: string } | null;
  /** True once the upstream's own end marker ([DONE] / message_stop) arrived. */
  completed: boolean;
}

export interface StreamRelayOptions {
  callerFormat: ApiFormat;
  wireFormat: ApiFormat;
  /** Model name shown to the caller in translated chunks. */
  model: string;
  /** OpenAI callers: whether they asked for the usage chunk (we may have asked upstream regardless). */
  callerWantsUsage: boolean;
  now?: () => number;
}

/** A stream error event from upstream, in either wire format, or null when the event is not an error. */
export function upstreamStreamError(wireFormat: ApiFormat, event: SseEvent): { type: string; message: string } | null {
  if (
    wireFormat === 'anthropic'
      ? event.event !== 'error' && !event.data.includes('"type":"error"')
      : !event.data.includes('"error"')
  ) {
    return null;
  }
  try {
    const parsed = JSON.parse(event.data) as { type?: string; error?: { type?: unknown; message?: unknown } };
    if (!parsed.error || (wireFormat === 'anthropic' && parsed.type !== 'error' && event.event !== 'error'))
      return null;
    const { type, message } = parsed.error;
    return {
      type: typeof type === 'string' ? type : 'api_error',
      message: typeof message === 'string' ? message : 'upstream error',
    };
  } catch {
    return null;
  }
}

const hasOpenAIOutput = (chunk: OpenAIChatChunk) =>
  chunk.choices?.some((c) =>
    Boolean(
      c.delta?.content ||
      c.delta?.tool_calls?.length ||
      c.delta?.refusal ||
      (c.delta as { reasoning_content?: string })?.reasoning_content,
    ),
  ) ?? false;

/**
 * Turns upstream SSE events into the SSE frames the caller receives, translating formats when they
 * differ and passing bytes through when they match, while measuring TTFT, output deltas and usage.
 */
export class StreamRelay {
  private readonly now: () => number;
  private firstTokenAt: number | null = null;
  private outputChunks = 0;
  private usageRaw: OpenAIUsage | AnthropicUsage | null = null;
  private error: { type: string; message: string } | null = null;
  private completed = false;
  private readonly openaiAssembler = new OpenAIStreamAssembler();
  private readonly anthropicAssembler = new AnthropicStreamAssembler();
  private readonly toOpenAI: AnthropicToOpenAIStream | null;
  private readonly toAnthropic: OpenAIToAnthropicStream | null;

  constructor(private readonly opts: StreamRelayOptions) {
    this.now = opts.now ?? (() => performance.now());
    const crossing = opts.callerFormat !== opts.wireFormat;
    this.toOpenAI =
      crossing && opts.callerFormat === 'openai'
        ? new AnthropicToOpenAIStream({ model: opts.model, includeUsage: opts.callerWantsUsage })
        : null;
    this.toAnthropic =
      crossing && opts.callerFormat === 'anthropic' ? new OpenAIToAnthropicStream({ model: opts.model }) : null;
  }

  /** True once upstream reported an error mid-stream: the caller has been told, stop relaying. */
  get failed(): boolean {
    return this.error !== null;
  }

  push(event: SseEvent): string[] {
    return this.opts.wireFormat === 'openai' ? this.fromOpenAI(event) : this.fromAnthropic(event);
  }

  /** Upstream closed the body: anything still owed to the caller (e.g. closing events after a cut stream). */
  end(): string[] {
    if (this.completed || this.error) return [];
    // Upstream ended without its end marker: tell the caller the stream was cut rather than pretend it finished.
    this.error = { type: 'api_error', message: 'upstream closed the stream before it finished' };
    return this.errorFrames(this.error);
  }

  outcome(): StreamOutcome {
    const response =
      this.opts.callerFormat === 'openai' ? this.openaiAssembler.result() : this.anthropicAssembler.result();
    let usage: NormalizedUsage | null = null;
    if (this.usageRaw) {
      usage =
        this.opts.wireFormat === 'openai'
          ? normalizeOpenAIUsage(this.usageRaw as OpenAIUsage)
          : normalizeAnthropicUsage(this.usageRaw as AnthropicUsage);
    }
    return {
      response,
      usage,
      usageRaw: this.usageRaw,
      firstTokenAt: this.firstTokenAt,
      outputChunks: this.outputChunks,
      error: this.error,
      completed: this.completed,
    };
  }

  private markOutput(): void {
    this.outputChunks++;
    if (this.firstTokenAt === null) this.firstTokenAt = this.now();
  }

  private fromOpenAI(event: SseEvent): string[] {
    if (event.data === '[DONE]') {
      this.completed = true;
      if (this.toAnthropic) return this.emitAnthropic(this.toAnthropic.done());
      return ['data: [DONE]\n\n'];
    }
    const streamError = upstreamStreamError('openai', event);
    if (streamError) {
      this.error = streamError;
      if (this.toAnthropic) return this.emitAnthropic(this.toAnthropic.error(JSON.parse(event.data)));
      return [encodeSse(event.data)];
    }
    let chunk: OpenAIChatChunk;
    try {
      chunk = JSON.parse(event.data) as OpenAIChatChunk;
    } catch {
      return []; // not JSON: nothing a client could use
    }
    if (hasOpenAIOutput(chunk)) this.markOutput();
    if (chunk.usage) this.usageRaw = chunk.usage;
    if (this.toAnthropic) return this.emitAnthropic(this.toAnthropic.push(chunk));
    const isUsageOnly = (chunk.choices?.length ?? 0) === 0 && chunk.usage;
    if (isUsageOnly && !this.opts.callerWantsUsage) return []; // the usage chunk we asked for on the caller's behalf
    this.openaiAssembler.push(chunk);
    // Bytes pass through untouched; `"usage": null` on ordinary chunks (a side effect of include_usage) is harmless.
    return [encodeSse(event.data)];
  }

  private fromAnthropic(event: SseEvent): string[] {
    let parsed: AnthropicStreamEvent;
    try {
      parsed = JSON.parse(event.data) as AnthropicStreamEvent;
    } catch {
      return [];
    }
    switch (parsed.type) {
      case 'message_start':
        this.usageRaw = { ...parsed.message.usage };
        break;
      case 'content_block_delta':
        this.markOutput();
        break;
      case 'message_delta':
        // Cumulative counts: the latest value wins, and only the fields present are updated.
        this.usageRaw = { ...(this.usageRaw ?? { input_tokens: 0, output_tokens: 0 }), ...stripNulls(parsed.usage) };
        break;
      case 'message_stop':
        this.completed = true;
        break;
      case 'error':
        this.error = { type: parsed.error.type, message: parsed.error.message };
        break;
    }
    if (this.toOpenAI) return this.emitOpenAI(this.toOpenAI.push(parsed));
    if (parsed.type !== 'ping') this.anthropicAssembler.push(parsed);
    return [encodeSse(event.data, event.event ?? parsed.type)];
  }

  private emitOpenAI(items: OpenAIStreamItem[]): string[] {
    const frames: string[] = [];
    for (const item of items) {
      if (item.kind === 'chunk') {
        this.openaiAssembler.push(item.chunk);
        frames.push(encodeSse(JSON.stringify(item.chunk)));
      } else if (item.kind === 'error') {
        frames.push(encodeSse(JSON.stringify(item.error)));
      } else {
        frames.push('data: [DONE]\n\n');
      }
    }
    return frames;
  }

  private emitAnthropic(events: AnthropicStreamEvent[]): string[] {
    return events.map((ev) => {
      if (ev.type !== 'ping' && ev.type !== 'error') this.anthropicAssembler.push(ev);
      return encodeSse(JSON.stringify(ev), ev.type);
    });
  }

  /** The caller-format frame that reports an error mid-stream (the HTTP status is already 200). */
  errorFrames(error: { type: string; message: string }): string[] {
    if (this.opts.callerFormat === 'anthropic') {
      return [encodeSse(JSON.stringify({ type: 'error', error }), 'error')];
    }
    return [
      encodeSse(JSON.stringify({ error: { message: error.message, type: error.type, param: null, code: null } })),
    ];
  }
}

function stripNulls<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}
