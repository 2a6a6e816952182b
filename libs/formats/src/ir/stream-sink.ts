import type { NormalizedUsage } from '@lessllm/shared';
import type { IRStopReason } from './chat';
import type { NormalizedError } from './errors';

/**
 * A stream in the internal representation, as calls rather than objects (no allocation per event on the hot path).
 * A format's decoder reads its own events and calls these; a format's encoder implements them and writes its own
 * events; the gateway's meter implements them to measure (first token, output deltas, usage, end, error).
 *
 * Blocks are implicit: text after a tool call opens a new text block, a new tool index opens a new call. `index`
 * values are the decoder's own (distinct per tool call in one stream); encoders number their blocks themselves.
 */
export interface StreamSink {
  start(info: { id?: string; model?: string }): void;
  text(delta: string): void;
  refusal(delta: string): void;
  /** Visible reasoning (thinking text, reasoning summary). */
  reasoning(delta: string): void;
  /** The opaque proof closing a reasoning block (Anthropic signature, OpenAI encrypted content). */
  reasoningSignature(signature: { signature?: string; encrypted?: string; redactedData?: string; id?: string }): void;
  toolCallStart(index: number, id: string, name: string, custom?: boolean): void;
  toolCallDelta(index: number, fragment: string): void;
  /** Cumulative usage so far: `raw` is the upstream's own usage object (for records), `normalized` its reading. */
  usage(raw: unknown, normalized: NormalizedUsage): void;
  finish(reason: IRStopReason | null, stopSequence?: string | null): void;
  /** The upstream reported an error mid-stream; nothing follows. */
  error(error: NormalizedError): void;
  /** The upstream's own end marker ([DONE], message_stop, response.completed). */
  end(): void;
}

/** A sink that ignores everything; formats' encoders and meters extend it and override what they need. */
export class NullSink implements StreamSink {
  start(_info: { id?: string; model?: string }): void {}
  text(_delta: string): void {}
  refusal(_delta: string): void {}
  reasoning(_delta: string): void {}
  reasoningSignature(_signature: { signature?: string; encrypted?: string; redactedData?: string }): void {}
  toolCallStart(_index: number, _id: string, _name: string, _custom?: boolean): void {}
  toolCallDelta(_index: number, _fragment: string): void {}
  usage(_raw: unknown, _normalized: NormalizedUsage): void {}
  finish(_reason: IRStopReason | null, _stopSequence?: string | null): void {}
  error(_error: NormalizedError): void {}
  end(): void {}
}

/** Forwards every call to two sinks (the meter and the caller-format encoder). */
export class TeeSink implements StreamSink {
  constructor(
    private readonly a: StreamSink,
    private readonly b: StreamSink,
  ) {}
  start(info: { id?: string; model?: string }): void {
    this.a.start(info);
    this.b.start(info);
  }
  text(delta: string): void {
    this.a.text(delta);
    this.b.text(delta);
  }
  refusal(delta: string): void {
    this.a.refusal(delta);
    this.b.refusal(delta);
  }
  reasoning(delta: string): void {
    this.a.reasoning(delta);
    this.b.reasoning(delta);
  }
  reasoningSignature(signature: { signature?: string; encrypted?: string; redactedData?: string }): void {
    this.a.reasoningSignature(signature);
    this.b.reasoningSignature(signature);
  }
  toolCallStart(index: number, id: string, name: string, custom?: boolean): void {
    this.a.toolCallStart(index, id, name, custom);
    this.b.toolCallStart(index, id, name, custom);
  }
  toolCallDelta(index: number, fragment: string): void {
    this.a.toolCallDelta(index, fragment);
    this.b.toolCallDelta(index, fragment);
  }
  usage(raw: unknown, normalized: NormalizedUsage): void {
    this.a.usage(raw, normalized);
    this.b.usage(raw, normalized);
  }
  finish(reason: IRStopReason | null, stopSequence?: string | null): void {
    this.a.finish(reason, stopSequence);
    this.b.finish(reason, stopSequence);
  }
  error(error: NormalizedError): void {
    this.a.error(error);
    this.b.error(error);
  }
  end(): void {
    this.a.end();
    this.b.end();
  }
}
