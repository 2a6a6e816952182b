import {
  anthropicRequestToOpenAI,
  anthropicResponseToOpenAI,
  normalizeAnthropicUsage,
  normalizeOpenAIUsage,
  openaiRequestToAnthropic,
  openaiResponseToAnthropic,
} from '@lessllm/providers';
import type {
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicUsage,
  ApiFormat,
  NormalizedUsage,
  OpenAIChatCompletion,
  OpenAIChatRequest,
  OpenAIUsage,
  SseEvent,
} from '@lessllm/shared';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CachedAnswer } from '../cache/cache-entry';
import { sendCachedAnswer } from '../cache/cached-reply';
import { replayFrames } from '../cache/replay';
import { ResponseCacheService, type CachePlan } from '../cache/response-cache.service';
import { SemanticResponseCacheService } from '../cache/semantic-response-cache.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { anthropicMessagesRequestSchema, openAIChatRequestSchema, validateBody } from '../dtos/request-validation';
import { passthroughHeaders, startEventStream, writeFrames, writeJson, type HeaderMap } from '../http/caller-response';
import { cascadeFailure } from '../routing/cascade-check';
import { RoutePlannerService } from '../routing/route-planner.service';
import type { CallContext } from './call-context';
import { newCallContext } from './call-context.factory';
import { CallFailureService } from './call-failure.service';
import { CallOrchestratorService, type PreparedRequest } from './call-orchestrator.service';
import { CallRecorderService, type CallResult } from './call-recorder.service';
import { CallerAuthService } from './caller-auth.service';
import { ModelResolverService, type ResolvedTarget } from './model-resolver.service';
import { StreamRelay, upstreamStreamError } from './stream-relay';
import { UpstreamEventReader, statusForStreamError } from './upstream-events';
import { UpstreamFailure } from './upstream-failure';

type ChatBody = OpenAIChatRequest | AnthropicMessagesRequest;

/** A complete (non-streamed) upstream answer, already in the caller's format. */
interface Completion {
  target: ResolvedTarget;
  headers: Record<string, string | string[] | undefined>;
  /** The upstream body as received (sent untouched when the caller speaks the upstream's format). */
  text: string;
  json: OpenAIChatCompletion | AnthropicMessage;
  response: unknown;
  usageRaw: unknown;
  usage: NormalizedUsage | null;
}

interface OpenedStream {
  reader: UpstreamEventReader;
  /** Events already read while checking the start of the stream. */
  first: SseEvent[];
  headers: Record<string, string | string[] | undefined>;
}

const RETRYABLE_STREAM_STATUS = new Set([429, 500, 502, 503, 504, 529]);

/** Chat calls in either caller format (OpenAI Chat Completions, Anthropic Messages), to any provider. */
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
  ) {}

  async handle(format: ApiFormat, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const ctx = newCallContext(req, reply, format, format === 'openai' ? 'chat.completions' : 'messages');
    ctx.caller = this.auth.authenticate(req.headers);
    try {
      let body: ChatBody =
        format === 'openai'
          ? (validateBody(openAIChatRequestSchema, req.body) as OpenAIChatRequest)
          : (validateBody(anthropicMessagesRequestSchema, req.body) as AnthropicMessagesRequest);
      ctx.requestedModel = body.model;
      ctx.isStreaming = body.stream === true;
      ctx.userId = userIdOf(format, body, req.headers['x-lessllm-user']);
      // Tier requests (`auto` or a tier name) become the chosen tier's model alias before anything else.
      ctx.route = await this.routes.plan(format, body, req.headers);
      if (ctx.route) body = { ...body, model: ctx.route.model };
      const { targets } = this.resolver.resolve(body.model, 'chat');
      const plan = this.cache.plan(ctx, body, targets[0], req.headers);
      // The semantic cache is only consulted after an exact miss, under the same policy.
      const cached = (await this.cache.lookup(plan, ctx)) ?? (await this.semantic.lookup(plan, ctx, body));
      if (cached) await this.serveCached(ctx, body, targets[0], cached, reply);
      else if (ctx.route?.source === 'router' && ctx.route.classifier === 'cascade')
        await this.cascade(ctx, body, targets, reply, plan);
      else if (ctx.isStreaming) await this.stream(ctx, body, targets, reply, plan);
      else await this.complete(ctx, body, targets, reply, plan);
    } catch (err) {
      this.failures.handle(ctx, err, reply);
    }
  }

  private prepare(ctx: CallContext, body: ChatBody, target: ResolvedTarget, stream = ctx.isStreaming): PreparedRequest {
    const wire = target.adapter.wireFormat;
    const model = target.upstreamModel;
    let upstream: Record<string, unknown>;
    if (ctx.callerFormat === wire) upstream = { ...body, model };
    else if (wire === 'anthropic')
      upstream = { ...openaiRequestToAnthropic(body as OpenAIChatRequest, model, target.provider.default_max_tokens) };
    else upstream = { ...anthropicRequestToOpenAI(body as AnthropicMessagesRequest, model) };
    // Exact usage for streams: ask an OpenAI-format upstream for the usage chunk even if the caller did not.
    if (stream && wire === 'openai' && target.provider.stream_usage) {
      const current = (upstream.stream_options ?? {}) as Record<string, unknown>;
      if (current.include_usage !== true) upstream.stream_options = { ...current, include_usage: true };
    }
    if (stream) upstream.stream = true;
    else delete upstream.stream;
    const apiKey = ctx.caller?.providerKey ?? target.provider.api_key ?? '';
    return { endpoint: target.adapter.endpoint('chat', model, apiKey), body: JSON.stringify(upstream) };
  }

  private responseHeaders(
    ctx: CallContext,
    target: ResolvedTarget,
    upstream: Record<string, string | string[] | undefined>,
  ): HeaderMap {
    return {
      ...(ctx.callerFormat === target.adapter.wireFormat ? passthroughHeaders(upstream) : {}),
      'x-request-id': ctx.requestId,
      'x-lessllm-provider': target.providerName,
      'x-lessllm-model': target.upstreamModel,
      'x-lessllm-cache': ctx.cache?.status ?? 'bypass',
      ...(ctx.route ? { 'x-lessllm-tier': ctx.route.tier } : {}),
    };
  }

  /**
   * A cache hit: no upstream attempt; the event carries the cached usage and `cache.status = 'hit'` (or
   * `'semantic-hit'` with its similarity).
   */
  private async serveCached(
    ctx: CallContext,
    body: ChatBody,
    primary: ResolvedTarget,
    entry: CachedAnswer,
    reply: FastifyReply,
  ): Promise<void> {
    ctx.target = primary;
    const status = ctx.cache?.status === 'semantic-hit' ? 'semantic-hit' : 'hit';
    await sendCachedAnswer(ctx, reply, entry, wantsUsage(ctx, body), status);
    this.recorder.record(ctx, {
      status: 'success',
      httpStatus: 200,
      response: entry.response,
      usage: entry.usage,
      usageRaw: entry.usage_raw,
      servedModel: (entry.response as { model?: string }).model ?? entry.model,
    });
  }

  private async complete(
    ctx: CallContext,
    body: ChatBody,
    targets: ResolvedTarget[],
    reply: FastifyReply,
    plan: CachePlan,
  ): Promise<void> {
    await this.send(ctx, body, await this.fetchCompletion(ctx, body, targets), reply, plan);
  }

  /** One non-streamed answer from the first target that gives one (retries and fallbacks included). */
  private async fetchCompletion(ctx: CallContext, body: ChatBody, targets: ResolvedTarget[]): Promise<Completion> {
    const { target, result } = await this.orchestrator.execute(
      ctx,
      targets,
      (t) => this.prepare(ctx, body, t, false),
      async (t, res) => {
        const text = await res.body.text();
        if (!looksLikeJsonObject(text)) throw notJson(t);
        return { text, headers: res.headers };
      },
    );
    const wire = target.adapter.wireFormat;
    const json = JSON.parse(result.text) as OpenAIChatCompletion | AnthropicMessage;
    let response: unknown = json;
    if (ctx.callerFormat !== wire) {
      response =
        wire === 'anthropic'
          ? anthropicResponseToOpenAI(
              json as AnthropicMessage,
              (json as AnthropicMessage).model ?? target.upstreamModel,
            )
          : openaiResponseToAnthropic(json as OpenAIChatCompletion, json.model ?? target.upstreamModel);
    }
    const usageRaw = (json as { usage?: unknown }).usage ?? null;
    return {
      target,
      headers: result.headers,
      text: result.text,
      json,
      response,
      usageRaw,
      usage: normalizedUsage(wire, usageRaw),
    };
  }

  /**
   * Sends a complete answer: JSON (the upstream bytes untouched when the formats match), or, for a streaming
   * caller answered by the cascade's buffered cheap attempt, replayed as the caller format's stream. Then
   * caches and records it.
   */
  private async send(
    ctx: CallContext,
    body: ChatBody,
    answer: Completion,
    reply: FastifyReply,
    plan: CachePlan,
  ): Promise<void> {
    const { target, response, usage, usageRaw } = answer;
    const headers = this.responseHeaders(ctx, target, answer.headers);
    reply.hijack();
    let firstTokenAt: number | null = null;
    if (ctx.isStreaming) {
      startEventStream(reply.raw, headers);
      firstTokenAt = performance.now();
      await writeFrames(reply.raw, replayFrames(ctx.callerFormat, response, { includeUsage: wantsUsage(ctx, body) }));
      if (!reply.raw.destroyed) reply.raw.end();
    } else {
      const sameFormat = ctx.callerFormat === target.adapter.wireFormat;
      writeJson(reply.raw, 200, headers, sameFormat ? answer.text : JSON.stringify(response));
    }
    const key = this.cache.save(plan, ctx, target, { response, usage, usageRaw });
    this.semantic.save(plan, ctx, target, body, key);
    this.recorder.record(ctx, completionResult(answer, firstTokenAt));
  }

  /**
   * Cascade: the cheapest tier answers first, buffered (streaming callers included: the check needs the whole
   * answer, so their first token waits for it). A passing answer is sent; a failing one is recorded as its own
   * call (`<request id>.cascade`) and the request is escalated to the strongest tier, streamed if asked.
   */
  private async cascade(
    ctx: CallContext,
    body: ChatBody,
    targets: ResolvedTarget[],
    reply: FastifyReply,
    plan: CachePlan,
  ): Promise<void> {
    const cheap = await this.fetchCompletion(ctx, body, targets);
    const failure = cascadeFailure(ctx.callerFormat, cheap.response, wantsJson(ctx.callerFormat, body));
    const strong = this.routes.strongestTier();
    const route = ctx.route!;
    if (!failure || !strong || strong.tier === route.tier) return this.send(ctx, body, cheap, reply, plan);
    const reason = `cascade: ${route.tier} answer failed the check (${failure}); escalated to ${strong.tier}`;
    this.recorder.record(
      { ...ctx, requestId: `${ctx.requestId}.cascade`, isStreaming: false, cache: null, route: { ...route, reason } },
      completionResult(cheap),
    );
    ctx.attempts = [];
    ctx.connection = null;
    ctx.headersAt = null;
    ctx.route = { ...route, tier: strong.tier, model: strong.model, escalated_from: route.tier, reason };
    const escalated = { ...body, model: strong.model } as ChatBody;
    const { targets: strongTargets } = this.resolver.resolve(strong.model, 'chat');
    if (ctx.isStreaming) await this.stream(ctx, escalated, strongTargets, reply, plan);
    else await this.complete(ctx, escalated, strongTargets, reply, plan);
  }

  private async stream(
    ctx: CallContext,
    body: ChatBody,
    targets: ResolvedTarget[],
    reply: FastifyReply,
    plan: CachePlan,
  ): Promise<void> {
    const { target, result } = await this.orchestrator.execute(
      ctx,
      targets,
      (t) => this.prepare(ctx, body, t),
      (t, res) => this.openStream(t, res.body, res.headers),
    );
    const relay = new StreamRelay({
      callerFormat: ctx.callerFormat,
      wireFormat: target.adapter.wireFormat,
      model: target.upstreamModel,
      callerWantsUsage: wantsUsage(ctx, body),
    });
    reply.hijack();
    const raw = reply.raw;
    startEventStream(raw, this.responseHeaders(ctx, target, result.headers));
    let aborted = false;
    let transportError: string | null = null;
    try {
      let events: SseEvent[] | null = result.first;
      while (events !== null) {
        const frames: string[] = [];
        for (const event of events) {
          frames.push(...relay.push(event));
          if (relay.failed) break;
        }
        await writeFrames(raw, frames);
        events = relay.failed ? null : await result.reader.next();
      }
      await writeFrames(raw, relay.end());
    } catch (err) {
      if (ctx.abort.signal.aborted) aborted = true;
      else {
        const code = (err as { code?: string }).code;
        const idle = this.loaded.config.timeouts.idle_ms;
        transportError =
          code === 'UND_ERR_BODY_TIMEOUT'
            ? `${target.providerName}: stream idle for more than ${target.provider.timeouts?.idle_ms ?? idle} ms (timeouts.idle_ms)`
            : `${target.providerName}: connection lost mid-stream (${code ?? (err as Error).message})`;
        await writeFrames(raw, relay.errorFrames({ type: 'api_error', message: transportError }));
      }
    } finally {
      await result.reader.close().catch(() => undefined);
      if (!raw.destroyed) raw.end();
    }
    const outcome = relay.outcome();
    const errored = outcome.error !== null || transportError !== null;
    // Only a stream that ran to its end marker is cached: never an aborted, cut or failed one.
    if (!aborted && !errored && outcome.completed && !ctx.abort.signal.aborted) {
      const key = this.cache.save(plan, ctx, target, {
        response: outcome.response,
        usage: outcome.usage,
        usageRaw: outcome.usageRaw,
      });
      this.semantic.save(plan, ctx, target, body, key);
    }
    this.recorder.record(ctx, {
      status: aborted ? 'aborted' : errored ? 'error' : 'success',
      httpStatus: 200,
      errorType: aborted ? 'client_disconnected' : transportError ? 'upstream_stream' : (outcome.error?.type ?? null),
      errorMessage: aborted
        ? 'caller disconnected mid-stream; upstream request aborted'
        : (transportError ?? outcome.error?.message ?? null),
      response: outcome.response,
      usage: outcome.usage,
      usageRaw: outcome.usageRaw,
      firstTokenAt: outcome.firstTokenAt,
      outputChunks: outcome.outputChunks,
      servedModel: (outcome.response as { model?: string } | null)?.model ?? null,
    });
  }

  /** Reads the first event before anything is sent to the caller: an error there can still be retried. */
  private async openStream(
    target: ResolvedTarget,
    body: AsyncIterable<Uint8Array>,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<OpenedStream> {
    const reader = new UpstreamEventReader(body);
    const first = await reader.first();
    const error = first.length > 0 ? upstreamStreamError(target.adapter.wireFormat, first[0]) : null;
    if (!error) return { reader, first, headers };
    await reader.close();
    const status = statusForStreamError(error.type);
    throw new UpstreamFailure('status', `${target.providerName} sent an error event (${error.type})`, {
      providerName: target.providerName,
      wireFormat: target.adapter.wireFormat,
      status,
      body: first[0].data,
      retry: RETRYABLE_STREAM_STATUS.has(status),
      fallback: RETRYABLE_STREAM_STATUS.has(status),
    });
  }
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
    servedModel: typeof answer.json.model === 'string' ? answer.json.model : null,
  };
}

/** A cheap check that a 200 body is a JSON object, so garbage is never relayed as a success. */
function looksLikeJsonObject(text: string): boolean {
  return text.trimStart().startsWith('{') && text.trimEnd().endsWith('}');
}

function notJson(target: ResolvedTarget): UpstreamFailure {
  const message = `${target.providerName} returned a response that is not JSON`;
  return new UpstreamFailure('protocol', message, {
    providerName: target.providerName,
    wireFormat: target.adapter.wireFormat,
    status: 502,
    body: JSON.stringify({ error: { message, type: 'upstream_error', param: null, code: null } }),
    retry: false,
    fallback: true,
  });
}

/** JSON output was asked for through the API (the cascade then checks that the answer parses). */
function wantsJson(format: ApiFormat, body: ChatBody): boolean {
  if (format !== 'openai') return false;
  const type = (body as OpenAIChatRequest).response_format?.type;
  return type === 'json_object' || type === 'json_schema';
}

/** OpenAI callers streaming with stream_options.include_usage get the usage chunk. */
function wantsUsage(ctx: CallContext, body: ChatBody): boolean {
  return ctx.callerFormat === 'openai' && (body as OpenAIChatRequest).stream_options?.include_usage === true;
}

function normalizedUsage(wire: ApiFormat, raw: unknown): NormalizedUsage | null {
  if (!raw || typeof raw !== 'object') return null;
  return wire === 'openai' ? normalizeOpenAIUsage(raw as OpenAIUsage) : normalizeAnthropicUsage(raw as AnthropicUsage);
}

function userIdOf(format: ApiFormat, body: ChatBody, header: string | string[] | undefined): string | null {
  const fromBody =
    format === 'openai'
      ? ((body as OpenAIChatRequest).user ?? (body as OpenAIChatRequest).safety_identifier)
      : (body as AnthropicMessagesRequest).metadata?.user_id;
  if (typeof fromBody === 'string' && fromBody) return fromBody;
  return typeof header === 'string' && header ? header : null;
}
