import type { WireFormat } from '@lessllm/formats';
import type { ApiFormat, CallAttempt, CallCacheOutcome, CallRouteOutcome, Endpoint } from '@lessllm/shared';
import type { ConnectionTiming } from '../egress';
import type { Caller } from './caller-auth.service';
import type { ResolvedTarget } from './model-resolver.service';

/** Everything the gateway learns about one call while serving it; becomes a CallEvent at the end. */
export interface CallContext {
  requestId: string;
  /** Epoch ms at arrival. */
  startedAt: number;
  /** performance.now() at arrival; every duration is measured from it. */
  t0: number;
  endpoint: Endpoint;
  callerFormat: ApiFormat;
  /** The caller's wire format (null for embeddings, which is not a chat format). */
  format: WireFormat | null;
  /** The format the final attempt spoke to the provider in. */
  upstreamFormat: ApiFormat | null;
  /** Request fields dropped translating for the final attempt (sent back in x-lessllm-dropped). */
  dropped: string[];
  /** Values the translation changed to fit the target (sent back in x-lessllm-adjusted). */
  adjusted: string[];
  caller: Caller | null;
  userId: string | null;
  request: unknown;
  /** Size of the raw request body in bytes (from the body parser), so the record can be bounded without measuring. */
  requestBytes: number;
  requestedModel: string;
  isStreaming: boolean;
  target: ResolvedTarget | null;
  attempts: CallAttempt[];
  connection: ConnectionTiming | null;
  headersAt: number | null;
  abort: AbortController;
  /** The response cache's outcome, once a cache decision was made. */
  cache: CallCacheOutcome | null;
  /** The router's outcome, for tier requests (`model: "auto"` or a tier name). */
  route: CallRouteOutcome | null;
  /** Wall time spent in upstream attempts (ms, unrounded), to tell the gateway's own overhead from the provider's. */
  upstreamMs: number;
}

/** Why a call's abort signal fired: the caller hung up, the gateway is shutting down, or the stream ran too long. */
export type AbortCause = 'caller_gone' | 'shutdown' | 'max_stream';

/** The abort reason the gateway itself gives (undici rejects the upstream request with it). */
export class CallAborted extends Error {
  constructor(readonly why: AbortCause) {
    super(
      why === 'shutdown' ? 'the gateway is shutting down' : why === 'max_stream' ? 'stream too long' : 'caller gone',
    );
    this.name = 'CallAborted';
  }
}

export function abortCauseOf(ctx: CallContext): AbortCause | null {
  const { signal } = ctx.abort;
  if (!signal.aborted) return null;
  return signal.reason instanceof CallAborted ? signal.reason.why : 'caller_gone';
}
