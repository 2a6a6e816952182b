import {
  NullSink,
  TeeSink,
  type NormalizedError,
  type StreamAssembler,
  type StreamDecoder,
  type StreamEncoder,
  type StreamSink,
  type WireFormat,
} from '@lessllm/formats';
import type { NormalizedUsage, SseEvent } from '@lessllm/shared';
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
  error: NormalizedError | null;
  /** True once the upstream's own end marker ([DONE] / message_stop / response.completed) arrived. */
  completed: boolean;
  /** Characters of event data the upstream sent (≈ its body size), for bounding the record. */
  upstreamChars: number;
  /** The assembled response stopped at the record budget: `response` is the answer's beginning, not all of it. */
  truncated: boolean;
}

export interface StreamRelayOptions {
  caller: WireFormat;
  upstream: WireFormat;
  /** Model name shown to the caller in translated events. */
  model: string;
  /** The caller's own request (some formats echo it in their events). */
  request: Record<string, unknown>;
  /** Whether the caller asked for usage in the stream (we may have asked upstream regardless). */
  callerWantsUsage: boolean;
  /**
   * Characters of the answer the assembler keeps for the record (limits.recorded_body_kb); beyond it the caller
   * still gets every event, but the gateway stops holding a copy. Default: no limit.
   */
  recordBudget?: number;
  now?: () => number;
}

/** Measures a stream as it passes: first token, output deltas, usage, end marker, error. */
class StreamMeter extends NullSink {
  firstTokenAt: number | null = null;
  outputChunks = 0;
  usageRaw: unknown = null;
  usageSeen: NormalizedUsage | null = null;
  failure: NormalizedError | null = null;
  completed = false;

  constructor(private readonly now: () => number) {
    super();
  }

  private output(): void {
    this.outputChunks++;
    if (this.firstTokenAt === null) this.firstTokenAt = this.now();
  }

  override text(): void {
    this.output();
  }
  override refusal(): void {
    this.output();
  }
  override reasoning(): void {
    this.output();
  }
  override toolCallStart(): void {
    this.output();
  }
  override toolCallDelta(): void {
    this.output();
  }
  override usage(raw: unknown, normalized: NormalizedUsage): void {
    this.usageRaw = raw;
    this.usageSeen = normalized;
  }
  override error(error: NormalizedError): void {
    this.failure = error;
  }
  override end(): void {
    this.completed = true;
  }
}

class ErrorProbe extends NullSink {
  found: NormalizedError | null = null;
  override error(error: NormalizedError): void {
    this.found = error;
  }
}

/** The error an upstream stream event reports (in the upstream's format), or null when it is not an error. */
export function streamErrorOf(format: WireFormat, event: SseEvent): NormalizedError | null {
  const parsed = format.stream.parse(event);
  if (parsed === null) return null;
  const probe = new ErrorProbe();
  format.stream.decoder().push(parsed, probe);
  return probe.found;
}

/**
 * Turns upstream SSE events into the SSE frames the caller receives: bytes pass through untouched when the formats
 * match; otherwise the upstream format's decoder drives the caller format's encoder. Either way the meter measures
 * and the caller-format assembler rebuilds the answer for the call record.
 */
export class StreamRelay {
  private readonly meter: StreamMeter;
  private readonly decoder: StreamDecoder;
  private readonly encoder: StreamEncoder | null;
  private readonly sink: StreamSink;
  private readonly assembler: StreamAssembler;
  private upstreamChars = 0;
  private assembledChars = 0;
  private assemblerFull = false;

  constructor(private readonly opts: StreamRelayOptions) {
    this.meter = new StreamMeter(opts.now ?? (() => performance.now()));
    this.decoder = opts.upstream.stream.decoder();
    this.assembler = opts.caller.stream.assembler();
    const crossing = opts.caller.name !== opts.upstream.name;
    this.encoder = crossing
      ? opts.caller.stream.encoder({ model: opts.model, request: opts.request, includeUsage: opts.callerWantsUsage })
      : null;
    this.sink = this.encoder ? new TeeSink(this.meter, this.encoder) : this.meter;
  }

  /** True once upstream reported an error mid-stream: the caller has been told, stop relaying. */
  get failed(): boolean {
    return this.meter.failure !== null;
  }

  push(event: SseEvent): string[] {
    if (this.failed) return [];
    this.upstreamChars += event.data.length;
    const parsed = this.opts.upstream.stream.parse(event);
    if (parsed === null) return []; // not JSON: nothing a client could use
    this.decoder.push(parsed, this.sink);
    if (this.encoder) return this.drain();
    if (!this.opts.upstream.stream.forward(parsed, { callerWantsUsage: this.opts.callerWantsUsage })) return [];
    if (typeof parsed === 'object') this.assemble(parsed, event.data.length);
    return [encodeSse(event.data, event.event)];
  }

  /** Upstream closed the body: anything still owed to the caller (e.g. closing events after a cut stream). */
  end(): string[] {
    if (this.meter.completed || this.meter.failure) return [];
    // Upstream ended without its end marker: tell the caller the stream was cut rather than pretend it finished.
    return this.errorFrames({
      status: 502,
      message: 'upstream closed the stream before it finished',
      type: 'api_error',
      code: null,
      param: null,
    });
  }

  outcome(): StreamOutcome {
    return {
      response: this.assembler.result(),
      usage: this.meter.usageSeen,
      usageRaw: this.meter.usageRaw,
      firstTokenAt: this.meter.firstTokenAt,
      outputChunks: this.meter.outputChunks,
      error: this.meter.failure,
      completed: this.meter.completed,
      upstreamChars: this.upstreamChars,
      truncated: this.assemblerFull,
    };
  }

  /** The caller-format frames that report an error mid-stream (the HTTP status is already 200). */
  errorFrames(error: NormalizedError): string[] {
    this.meter.failure ??= error;
    if (this.encoder) {
      this.encoder.error(error);
      return this.drain();
    }
    return this.opts.caller.stream.errorFrames(error, this.assembler);
  }

  /** Feeds the record's assembler until the record budget is spent. */
  private assemble(event: Parameters<StreamAssembler['push']>[0], chars: number): void {
    if (this.assemblerFull) return;
    this.assembledChars += chars;
    if (this.opts.recordBudget !== undefined && this.assembledChars > this.opts.recordBudget) {
      this.assemblerFull = true;
      return;
    }
    this.assembler.push(event);
  }

  private drain(): string[] {
    const out = this.encoder!.take();
    const frames: string[] = new Array<string>(out.length);
    for (let i = 0; i < out.length; i++) {
      const item = out[i];
      if (item.event) this.assemble(item.event, item.frame.length);
      frames[i] = item.frame;
    }
    return frames;
  }
}
