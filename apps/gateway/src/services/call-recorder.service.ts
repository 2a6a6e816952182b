import type { AppLogger, CallEvent, CallEventBus, CallStatus, NormalizedUsage } from '@lessllm/shared';
import { CALL_EVENT_BUS } from '@lessllm/shared';
import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_LOGGER } from '../config/logger.token';
import { GatewayMetricsService } from '../observability/gateway-metrics.service';
import type { CallContext } from './call-context';

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
}

const ms = (value: number) => Math.round(value * 1000) / 1000;

/** Builds the CallEvent from what the gateway measured and hands it to the bus; no analysis here. */
@Injectable()
export class CallRecorderService {
  constructor(
    @Inject(CALL_EVENT_BUS) private readonly bus: CallEventBus,
    @Inject(GATEWAY_LOGGER) private readonly logger: AppLogger,
    private readonly metrics: GatewayMetricsService,
  ) {}

  record(ctx: CallContext, result: CallResult): void {
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
    this.bus.publish(event);
    this.metrics.observeCall(event, ctx.upstreamMs);
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
      },
      'call',
    );
  }
}
