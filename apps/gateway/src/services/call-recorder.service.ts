import type { WireFormat } from '@lessllm/formats';
import type {
  ApiFormat,
  AppLogger,
  CallEvent,
  CallEventBus,
  CallStatus,
  Endpoint,
  NormalizedUsage,
} from '@lessllm/shared';
import { boundCallEvent, CALL_EVENT_BUS } from '@lessllm/shared';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { GATEWAY_LOGGER } from '../config/logger.token';
import { GatewayMetricsService } from '../observability/gateway-metrics.service';
import type { CallContext } from './call-context';
import { newCallContext } from './call-context.factory';
import { InFlightCalls } from './in-flight-calls';

export interface CallResult {
  status: CallStatus;
  httpStatus: number;
  errorType?: string | null;
  errorMessage?: string | null;
  response?: unknown;
  usage?: NormalizedUsage | null;
  usageRaw?: unknown;
  firstTokenAt?: number | null;
  outputChunks?: number;
  /** The served model as the provider named it, when it said. */
  servedModel?: string | null;
  /** Size of the response body as it came from upstream (bytes), when known: bounds the record without measuring. */
  responseBytes?: number;
  /** Set when the response was already cut while it streamed (the assembler's budget): its full size. */
  responseCutFrom?: number;
}

const ms = (value: number) => Math.round(value * 1000) / 1000;

/**
 * A call's life from the recorder's side: `begin` opens it (tracked until its record, for graceful drains),
 * `record` builds the CallEvent from what the gateway measured, bounded in size, and hands it to the bus.
 * No analysis here.
 */
@Injectable()
export class CallRecorderService {
  private readonly bodyBudget: number;

  constructor(
    @Inject(CALL_EVENT_BUS) private readonly bus: CallEventBus,
    @Inject(GATEWAY_LOGGER) private readonly logger: AppLogger,
    @Inject(GATEWAY_CONFIG) loaded: GatewayConfig,
    private readonly metrics: GatewayMetricsService,
    private readonly inFlight: InFlightCalls,
  ) {
    this.bodyBudget = loaded.config.limits.recorded_body_kb * 1024;
  }

  begin(
    req: FastifyRequest,
    reply: FastifyReply,
    callerFormat: ApiFormat,
    endpoint: Endpoint,
    format: WireFormat | null = null,
  ): CallContext {
    const ctx = newCallContext(req, reply, callerFormat, endpoint, format);
    this.inFlight.add(ctx);
    return ctx;
  }

  record(ctx: CallContext, result: CallResult): void {
    try {
      this.publish(ctx, result);
    } finally {
      this.inFlight.remove(ctx);
    }
  }

  private publish(ctx: CallContext, result: CallResult): void {
    const end = performance.now();
    const conn = ctx.connection;
    const event: CallEvent = {
      version: 2,
      request_id: ctx.requestId,
      timestamp: new Date(ctx.startedAt).toISOString(),
      endpoint: ctx.endpoint,
      caller_format: ctx.callerFormat,
      upstream_format: ctx.upstreamFormat,
      tenant: ctx.caller?.tenant ?? null,
      user_id: ctx.userId,
      requested_model: ctx.requestedModel,
      model: result.servedModel ?? ctx.target?.upstreamModel ?? ctx.requestedModel,
      provider: ctx.target?.providerName ?? 'none',
      provider_type: ctx.target?.provider.type ?? null,
      is_streaming: ctx.isStreaming,
      status: result.status,
      http_status: result.httpStatus,
      error_type: result.errorType ?? null,
      error_message: result.errorMessage ?? null,
      request: ctx.request,
      response: result.response ?? null,
      usage: result.usage ?? null,
      usage_raw: result.usageRaw ?? null,
      output_chunks: result.outputChunks ?? 0,
      timing: {
        started_at_ms: ctx.startedAt,
        dns_ms: conn?.dns_ms ?? null,
        connect_ms: conn?.connect_ms ?? null,
        proxy_ms: conn?.proxy_ms ?? null,
        tls_ms: conn?.tls_ms ?? null,
        connection_reused: conn?.connection_reused ?? false,
        upstream_headers_ms: ctx.headersAt === null ? null : ms(ctx.headersAt - ctx.t0),
        first_token_ms: result.firstTokenAt == null ? null : ms(result.firstTokenAt - ctx.t0),
        total_ms: ms(end - ctx.t0),
      },
      attempts: ctx.attempts,
      egress: conn?.egress ?? null,
      ...(ctx.cache ? { cache: { ...ctx.cache } } : {}),
      ...(ctx.route ? { route: { ...ctx.route } } : {}),
    };
    const bounded = boundCallEvent(event, this.bodyBudget, {
      request: ctx.requestBytes > 0 ? ctx.requestBytes : undefined,
      response: result.responseCutFrom === undefined ? result.responseBytes : 0,
    });
    if (result.responseCutFrom !== undefined) {
      bounded.truncated = { ...bounded.truncated, response: result.responseCutFrom };
    }
    this.bus.publish(bounded);
    this.metrics.observeCall(bounded, ctx.upstreamMs);
    this.logger.info(
      {
        request_id: event.request_id,
        'gen_ai.request.model': event.requested_model,
        'gen_ai.response.model': event.model,
        'gen_ai.provider.name': event.provider,
        'gen_ai.operation.name': event.endpoint === 'embeddings' ? 'embeddings' : 'chat',
        'gen_ai.usage.input_tokens': event.usage?.prompt_tokens,
        'gen_ai.usage.output_tokens': event.usage?.completion_tokens,
        tenant: event.tenant,
        stream: event.is_streaming,
        status: event.status,
        http_status: event.http_status,
        error_type: event.error_type,
        attempts: event.attempts.length,
        total_ms: event.timing.total_ms,
        ttft_ms: event.timing.first_token_ms,
        cache: event.cache?.status,
        tier: event.route?.tier,
        ...(bounded.truncated ? { truncated: bounded.truncated } : {}),
      },
      'call',
    );
  }
}
