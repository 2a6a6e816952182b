import {
  assertJsonDepth,
  formatNamed,
  httpStatusOf,
  translateResponse,
  type Json,
  type NormalizedError,
  type WireFormat,
} from '@lessllm/formats';
import { GatewayError, type ApiFormat, type NormalizedUsage, type SseEvent } from '@lessllm/shared';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CachedAnswer } from '../cache/cache-entry';
import { sendCachedAnswer } from '../cache/cached-reply';
import { ResponseCacheService, type CachePlan } from '../cache/response-cache.service';
import { SemanticResponseCacheService } from '../cache/semantic-response-cache.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import {
  passthroughHeaders,
  startEventStream,
  writeFrames,
  writeFramesNow,
  writeJson,
  type HeaderMap,
} from '../http/caller-response';
import { cascadeFailure } from '../routing/cascade-check';
import { RoutePlannerService } from '../routing/route-planner.service';
import { admitJsonBody } from './body-admission';
import { abortCauseOf, CallAborted, type CallContext } from './call-context';
import { CallExtensions } from './call-extensions';
import { CallFailureService } from './call-failure.service';
import { CallOrchestratorService, type PreparedRequest } from './call-orchestrator.service';
import { CallRecorderService, type CallResult } from './call-recorder.service';
import { CallerAuthService } from './caller-auth.service';
import { ModelResolverService, type ResolvedTarget } from './model-resolver.service';
import { streamErrorOf, StreamRelay } from './stream-relay';
import { UpstreamEventReader } from './upstream-events';
import { UpstreamFailure } from './upstream-failure';
import { prepareChatRequest } from './upstream-request';

/** A complete (non-streamed) upstream answer, already in the caller's format. */
interface Completion {
  target: ResolvedTarget;
  headers: Record<string, string | string[] | undefined>;
  /** The upstream body as received (sent untouched when the caller speaks the upstream's format). */
  text: string;
  sameFormat: boolean;
  response: Json;
  usageRaw: unknown;
  usage: NormalizedUsage | null;
  servedModel: string | null;
}

interface OpenedStream {
  reader: UpstreamEventReader;
  /** Events already read while checking the start of the stream. */
  first: SseEvent[];
  headers: Record<string, string | string[] | undefined>;
}

const RETRYABLE_STREAM_STATUS = new Set([429, 500, 502, 503, 504, 529]);

/** One chat request of any wire format, as the whole call pipeline sees it. */
interface ChatCall {
  ctx: CallContext;
  format: WireFormat;
  body: Json;
  req: FastifyRequest;
  reply: FastifyReply;
  plan: CachePlan;
}

/**
 * Chat calls in every caller format (Chat Completions, Messages, Responses, legacy Completions), to any provider.
 * Everything format-specific goes through the caller's and the upstream's `WireFormat`.
 */
@Injectable()
export class ChatCallService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly loaded: GatewayConfig,
    private readonly auth: CallerAuthService,
    private readonly resolver: ModelResolverService,
    private readonly orchestrator: CallOrchestratorService,
    private readonly recorder: CallRecorderService,
    private readonly failures: CallFailureService,
    private readonly cache: ResponseCacheService,
    private readonly semantic: SemanticResponseCacheService,
    private readonly routes: RoutePlannerService,
    private readonly extensions: CallExtensions,
  ) {}

  async handle(format: WireFormat, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const caller = this.auth.authenticate(req.headers);
    const ctx = this.recorder.begin(req, reply, format.name, format.endpoint, format);
    ctx.caller = caller;
    try {
      admitJsonBody(ctx, req.body, this.loaded.config.limits.json_depth);
      let body = format.request.validate(req.body);
      // Format-specific state before the call (Responses: continue from previous_response_id).
      body = await this.extensions.before(format, ctx, body);
      ctx.requestedModel = format.request.model(body);
      ctx.isStreaming = format.request.isStreaming(body);
      ctx.userId = format.request.userId(body) ?? headerValue(req.headers['x-lessllm-user']);
      // Tier requests (`auto` or a tier name) become the chosen tier's model alias before anything else.
      ctx.route = await this.routes.plan(format, body, req.headers);
      if (ctx.route) body = { ...body, model: ctx.route.model };
      const { targets } = this.resolver.resolve(format.request.model(body), 'chat');
      const plan = this.cache.plan(ctx, body, targets[0], req.headers);
      const call: ChatCall = { ctx, format, body, req, reply, plan };
      // The semantic cache is only consulted after an exact miss, under the same policy.
      const cached = (await this.cache.lookup(plan, ctx)) ?? (await this.semantic.lookup(plan, ctx, body));
      if (cached) await this.serveCached(call, targets[0], cached);
      else if (ctx.route?.source === 'router' && ctx.route.classifier === 'cascade') await this.cascade(call, targets);
      else if (ctx.isStreaming) await this.stream(call, targets);
      else await this.complete(call, targets);
    } catch (err) {
      this.failures.handle(ctx, err, reply);
    }
  }

  private prepare(call: ChatCall, target: ResolvedTarget, stream = call.ctx.isStreaming): PreparedRequest {
    return prepareChatRequest(call.ctx, {
      caller: call.format,
      body: call.body,
      target,
      stream,
      headers: call.req.headers,
      query: queryOf(call.req.url),
      translation: this.loaded.config.translation,
    });
  }

  private responseHeaders(
    ctx: CallContext,
    target: ResolvedTarget,
    upstream: Record<string, string | string[] | undefined>,
  ): HeaderMap {
    const same = ctx.callerFormat === ctx.upstreamFormat;
    return {
      ...passthroughHeaders(upstream, same),
      'x-request-id': ctx.requestId,
      'x-lessllm-provider': target.providerName,
      'x-lessllm-model': target.upstreamModel,
      'x-lessllm-cache': ctx.cache?.status ?? 'bypass',
      ...(ctx.route ? { 'x-lessllm-tier': ctx.route.tier } : {}),
      ...(!same && ctx.upstreamFormat ? { 'x-lessllm-upstream-format': ctx.upstreamFormat } : {}),
      ...(ctx.dropped.length > 0 ? { 'x-lessllm-dropped': ctx.dropped.join(', ') } : {}),
      ...(ctx.adjusted.length > 0 ? { 'x-lessllm-adjusted': ctx.adjusted.join('; ') } : {}),
    };
  }

  /**
   * A cache hit: no upstream attempt; the event carries the cached usage and `cache.status = 'hit'` (or
   * `'semantic-hit'` with its similarity).
   */
  private async serveCached(call: ChatCall, primary: ResolvedTarget, entry: CachedAnswer): Promise<void> {
    const { ctx } = call;
    ctx.target = primary;
    const status = ctx.cache?.status === 'semantic-hit' ? 'semantic-hit' : 'hit';
    const response = await this.extensions.answered(call.format, ctx, call.body, entry.response as Json);
    await sendCachedAnswer(ctx, call.reply, { ...entry, response }, wantsUsage(call), status, call.body);
    this.recorder.record(ctx, {
      status: 'success',
      httpStatus: 200,
      response,
      usage: entry.usage,
      usageRaw: entry.usage_raw,
      servedModel: call.format.response.model(entry.response as Json) ?? entry.model,
    });
  }

  private async complete(call: ChatCall, targets: ResolvedTarget[]): Promise<void> {
    await this.send(call, await this.fetchCompletion(call, targets));
  }

  /** One non-streamed answer from the first target that gives one (retries and fallbacks included). */
  private async fetchCompletion(call: ChatCall, targets: ResolvedTarget[]): Promise<Completion> {
    const { ctx, format } = call;
    const { target, result, prepared } = await this.orchestrator.execute(
      ctx,
      targets,
      (t) => this.prepare(call, t, false),
      async (t, res, p) => {
        const text = await res.body.text();
        if (!looksLikeJsonObject(text)) throw notJson(t, p.format);
        return { text, headers: res.headers };
      },
    );
    const upstream = formatNamed(prepared.format);
    const json = JSON.parse(result.text) as Json;
    upstreamWithinDepth(json, target, this.loaded.config.limits.json_depth);
    const sameFormat = upstream.name === format.name;
    const servedModel = upstream.response.model(json);
    const response = sameFormat
      ? json
      : translateResponse(json, upstream, format, { request: call.body, model: servedModel ?? target.upstreamModel });
    const usage = upstream.response.usage(json);
    return {
      target,
      headers: result.headers,
      text: result.text,
      sameFormat,
      response,
      usageRaw: usage?.raw ?? null,
      usage: usage?.normalized ?? null,
      servedModel,
    };
  }

  /**
   * Sends a complete answer: JSON (the upstream bytes untouched when the formats match), or, for a streaming
   * caller answered by the cascade's buffered cheap attempt, replayed as the caller format's stream. Then
   * caches and records it.
   */
  private async send(call: ChatCall, answer: Completion): Promise<void> {
    const { ctx, format, reply, plan } = call;
    const { target, usage, usageRaw } = answer;
    const response = await this.extensions.answered(format, ctx, call.body, answer.response);
    const headers = this.responseHeaders(ctx, target, answer.headers);
    reply.hijack();
    let firstTokenAt: number | null = null;
    if (ctx.isStreaming) {
      startEventStream(reply.raw, headers);
      firstTokenAt = performance.now();
      await writeFrames(
        reply.raw,
        format.stream.replay(response, { includeUsage: wantsUsage(call), request: call.body }),
      );
      if (!reply.raw.destroyed) reply.raw.end();
    } else {
      const untouched = answer.sameFormat && response === answer.response;
      writeJson(reply.raw, 200, headers, untouched ? answer.text : JSON.stringify(response));
    }
    const key = this.cache.save(plan, ctx, target, { response, usage, usageRaw });
    this.semantic.save(plan, ctx, target, call.body, key);
    this.recorder.record(ctx, completionResult({ ...answer, response }, firstTokenAt));
  }

  /**
   * Cascade: the cheapest tier answers first, buffered (streaming callers included: the check needs the whole
   * answer, so their first token waits for it). A passing answer is sent; a failing one is recorded as its own
   * call (`<request id>.cascade`) and the request is escalated to the strongest tier, streamed if asked.
   */
  private async cascade(call: ChatCall, targets: ResolvedTarget[]): Promise<void> {
    const { ctx, format } = call;
    const cheap = await this.fetchCompletion(call, targets);
    const failure = cascadeFailure(format.response.summary(cheap.response), format.analysis.wantsJson(call.body));
    const strong = this.routes.strongestTier();
    const route = ctx.route!;
    if (!failure || !strong || strong.tier === route.tier) return this.send(call, cheap);
    const reason = `cascade: ${route.tier} answer failed the check (${failure}); escalated to ${strong.tier}`;
    this.recorder.record(
      { ...ctx, requestId: `${ctx.requestId}.cascade`, isStreaming: false, cache: null, route: { ...route, reason } },
      completionResult(cheap),
    );
    ctx.attempts = [];
    ctx.connection = null;
    ctx.headersAt = null;
    ctx.route = { ...route, tier: strong.tier, model: strong.model, escalated_from: route.tier, reason };
    const escalated: ChatCall = { ...call, body: { ...call.body, model: strong.model } };
    const { targets: strongTargets } = this.resolver.resolve(strong.model, 'chat');
    if (ctx.isStreaming) await this.stream(escalated, strongTargets);
    else await this.complete(escalated, strongTargets);
  }

  private async stream(call: ChatCall, targets: ResolvedTarget[]): Promise<void> {
    const { ctx, format, reply, plan } = call;
    const { target, result, prepared } = await this.orchestrator.execute(
      ctx,
      targets,
      (t) => this.prepare(call, t),
      (t, res, p) => this.openStream(t, p.format, res.body, res.headers),
    );
    const { limits, server } = this.loaded.config;
    const relay = new StreamRelay({
      caller: format,
      upstream: formatNamed(prepared.format),
      model: target.upstreamModel,
      request: call.body,
      callerWantsUsage: wantsUsage(call),
      recordBudget: limits.recorded_body_kb * 1024,
    });
    reply.hijack();
    const raw = reply.raw;
    startEventStream(raw, this.responseHeaders(ctx, target, result.headers));
    const maxStream =
      server.max_stream_s > 0
        ? setTimeout(() => ctx.abort.abort(new CallAborted('max_stream')), server.max_stream_s * 1000)
        : null;
    let cut: 'caller_gone' | 'shutdown' | 'max_stream' | null = null;
    let transportError: string | null = null;
    try {
      let events: SseEvent[] | null = result.first;
      while (events !== null) {
        const frames: string[] = [];
        for (const event of events) {
          const out = relay.push(event);
          for (let i = 0; i < out.length; i++) frames.push(out[i]);
          if (relay.failed) break;
        }
        await writeFrames(raw, frames, ctx.abort.signal);
        events = relay.failed || ctx.abort.signal.aborted ? null : await result.reader.next();
      }
      if (ctx.abort.signal.aborted) throw ctx.abort.signal.reason;
      await writeFrames(raw, relay.end(), ctx.abort.signal);
    } catch (err) {
      cut = abortCauseOf(ctx);
      if (cut === 'shutdown' || cut === 'max_stream') {
        // The caller is still there: tell it in its format why the stream ends here.
        const message =
          cut === 'shutdown'
            ? 'the gateway is shutting down; the stream was stopped (retry the call)'
            : `the stream ran longer than server.max_stream_s=${server.max_stream_s} s`;
        writeFramesNow(raw, relay.errorFrames({ status: 503, message, type: 'api_error', code: null, param: null }));
      } else if (cut === null) {
        transportError = this.streamTransportError(target, err);
        await writeFrames(raw, relay.errorFrames(transportFailure(transportError)), ctx.abort.signal);
      }
    } finally {
      if (maxStream) clearTimeout(maxStream);
      await result.reader.close().catch(() => undefined);
      if (!raw.destroyed) raw.end();
    }
    const outcome = relay.outcome();
    const errored = outcome.error !== null || transportError !== null;
    const ok = cut === null && !errored && outcome.completed && !outcome.truncated && !ctx.abort.signal.aborted;
    const response = ok
      ? await this.extensions.answered(format, ctx, call.body, outcome.response as Json)
      : outcome.response;
    // Only a whole stream that ran to its end marker is cached: never an aborted, cut, failed or truncated one.
    if (ok) {
      const key = this.cache.save(plan, ctx, target, { response, usage: outcome.usage, usageRaw: outcome.usageRaw });
      this.semantic.save(plan, ctx, target, call.body, key);
    }
    this.recorder.record(ctx, {
      ...streamStatus(cut, transportError, outcome.error, server.max_stream_s),
      httpStatus: 200,
      response,
      usage: outcome.usage,
      usageRaw: outcome.usageRaw,
      firstTokenAt: outcome.firstTokenAt,
      outputChunks: outcome.outputChunks,
      servedModel: format.response.model(outcome.response as Json),
      responseBytes: outcome.upstreamChars,
      responseCutFrom: outcome.truncated ? outcome.upstreamChars : undefined,
    });
  }

  private streamTransportError(target: ResolvedTarget, err: unknown): string {
    const code = (err as { code?: string }).code;
    const idle = target.provider.timeouts?.idle_ms ?? this.loaded.config.timeouts.idle_ms;
    if (code === 'UND_ERR_BODY_TIMEOUT') {
      return `${target.providerName}: stream idle for more than ${idle} ms (timeouts.idle_ms)`;
    }
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
      return `${target.providerName}: the stream grew larger than limits.upstream_response_mb=${this.loaded.config.limits.upstream_response_mb}`;
    }
    return `${target.providerName}: connection lost mid-stream (${code ?? (err as Error).message})`;
  }

  /** Reads the first event before anything is sent to the caller: an error there can still be retried. */
  private async openStream(
    target: ResolvedTarget,
    wireFormat: ApiFormat,
    body: AsyncIterable<Uint8Array>,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<OpenedStream> {
    const reader = new UpstreamEventReader(body);
    const first = await reader.first();
    const error = first.length > 0 ? streamErrorOf(formatNamed(wireFormat), first[0]) : null;
    if (!error) return { reader, first, headers };
    await reader.close();
    const status = httpStatusOf(error);
    throw new UpstreamFailure('status', `${target.providerName} sent an error event (${error.type})`, {
      providerName: target.providerName,
      wireFormat,
      status,
      body: first[0].data,
      retry: RETRYABLE_STREAM_STATUS.has(status),
      fallback: RETRYABLE_STREAM_STATUS.has(status),
    });
  }
}

/** How a relayed stream ended, for its record. */
function streamStatus(
  cut: 'caller_gone' | 'shutdown' | 'max_stream' | null,
  transportError: string | null,
  streamError: NormalizedError | null,
  maxStreamS: number,
): Pick<CallResult, 'status' | 'errorType' | 'errorMessage'> {
  if (cut === 'caller_gone') {
    return {
      status: 'aborted',
      errorType: 'client_disconnected',
      errorMessage: 'caller disconnected mid-stream; upstream request aborted',
    };
  }
  if (cut === 'shutdown') {
    return {
      status: 'aborted',
      errorType: 'gateway_shutdown',
      errorMessage: 'the gateway shut down mid-stream (server.drain_s ran out); the caller was told',
    };
  }
  if (cut === 'max_stream') {
    return {
      status: 'error',
      errorType: 'max_stream_duration',
      errorMessage: `the stream ran longer than server.max_stream_s=${maxStreamS} s and was ended`,
    };
  }
  if (transportError) return { status: 'error', errorType: 'upstream_stream', errorMessage: transportError };
  if (streamError) return { status: 'error', errorType: streamError.type, errorMessage: streamError.message };
  return { status: 'success', errorType: null, errorMessage: null };
}

function transportFailure(message: string): NormalizedError {
  return { status: 502, message, type: 'api_error', code: null, param: null };
}

/** The recorded outcome of a complete (non-streamed) answer. */
function completionResult(answer: Completion, firstTokenAt: number | null = null): CallResult {
  return {
    status: 'success',
    httpStatus: 200,
    response: answer.response,
    usage: answer.usage,
    usageRaw: answer.usageRaw,
    firstTokenAt,
    servedModel: answer.servedModel,
    responseBytes: answer.text.length,
  };
}

/** An upstream answer nested deeper than callers may send is refused too (502): nothing recursive may see it. */
function upstreamWithinDepth(json: Json, target: ResolvedTarget, maxDepth: number): void {
  try {
    assertJsonDepth(json, maxDepth);
  } catch {
    throw new GatewayError(
      'upstream_protocol',
      `${target.providerName} returned JSON nested deeper than ${maxDepth} levels (limits.json_depth)`,
    );
  }
}

/** A cheap check that a 200 body is a JSON object, so garbage is never relayed as a success. */
function looksLikeJsonObject(text: string): boolean {
  return text.trimStart().startsWith('{') && text.trimEnd().endsWith('}');
}

function notJson(target: ResolvedTarget, wireFormat: ApiFormat): UpstreamFailure {
  const message = `${target.providerName} returned a response that is not JSON`;
  return new UpstreamFailure('protocol', message, {
    providerName: target.providerName,
    wireFormat,
    status: 502,
    body: JSON.stringify({ error: { message, type: 'upstream_error', param: null, code: null } }),
    retry: false,
    fallback: true,
  });
}

/** Streaming callers that asked for usage in the stream (OpenAI's stream_options.include_usage). */
function wantsUsage(call: ChatCall): boolean {
  return call.ctx.isStreaming && call.format.request.wantsStreamUsage(call.body);
}

function headerValue(header: string | string[] | undefined): string | null {
  return typeof header === 'string' && header ? header : null;
}

function queryOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}
