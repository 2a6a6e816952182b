import type { WireFormat } from '@lessllm/formats';
import type { ApiFormat, Endpoint } from '@lessllm/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestBodyBytes } from '../http/json-body-parser';
import { CallAborted, type CallContext } from './call-context';

/** A fresh context whose abort signal fires when the caller hangs up before the response is complete. */
export function newCallContext(
  req: FastifyRequest,
  reply: FastifyReply,
  callerFormat: ApiFormat,
  endpoint: Endpoint,
  format: WireFormat | null = null,
): CallContext {
  const abort = new AbortController();
  const raw = reply.raw;
  raw.once('close', () => {
    if (!raw.writableFinished) abort.abort(new CallAborted('caller_gone'));
  });
  return {
    requestId: req.id,
    startedAt: Date.now(),
    t0: performance.now(),
    endpoint,
    callerFormat,
    format,
    upstreamFormat: null,
    dropped: [],
    adjusted: [],
    caller: null,
    userId: null,
    request: req.body ?? null,
    requestBytes: requestBodyBytes(req),
    requestedModel: '',
    isStreaming: false,
    target: null,
    attempts: [],
    connection: null,
    headersAt: null,
    abort,
    cache: null,
    route: null,
    upstreamMs: 0,
  };
}
