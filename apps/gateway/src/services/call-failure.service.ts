import { formatNamed } from '@lessllm/formats';
import type { AppLogger } from '@lessllm/shared';
import { GatewayError } from '@lessllm/shared';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GATEWAY_LOGGER } from '../config/logger.token';
import { passthroughHeaders, writeJson } from '../http/caller-response';
import { abortCauseOf, type CallContext } from './call-context';
import { CallerGoneError } from './call-orchestrator.service';
import { CallRecorderService } from './call-recorder.service';
import { upstreamErrorForCaller } from './upstream-error-for-caller';
import { UpstreamFailure } from './upstream-failure';

/**
 * The one place a call that failed before its response started is answered and recorded:
 * upstream errors pass through (translated when formats differ), our own become GatewayErrors
 * that the global filter renders in the caller's format.
 */
@Injectable()
export class CallFailureService {
  constructor(
    private readonly recorder: CallRecorderService,
    @Inject(GATEWAY_LOGGER) private readonly logger: AppLogger,
  ) {}

  handle(ctx: CallContext, err: unknown, reply: FastifyReply): void {
    if (abortCauseOf(ctx) === 'shutdown') {
      // Cut by a graceful drain before its answer started: the caller can retry elsewhere.
      const message = 'The gateway is shutting down; the call was stopped before its answer started. Retry it.';
      this.recorder.record(ctx, {
        status: 'aborted',
        httpStatus: 503,
        errorType: 'gateway_shutdown',
        errorMessage: message,
      });
      throw new GatewayError('shutting_down', message);
    }
    if (err instanceof CallerGoneError || ctx.abort.signal.aborted) {
      this.recorder.record(ctx, {
        status: 'aborted',
        httpStatus: 499,
        errorType: 'client_disconnected',
        errorMessage: 'caller disconnected before the response started; upstream request aborted',
      });
      if (!reply.sent) {
        reply.hijack();
        reply.raw.destroy();
      }
      return;
    }
    if (err instanceof UpstreamFailure && (err.kind === 'status' || err.kind === 'protocol')) {
      const caller = ctx.format ?? formatNamed('openai-chat');
      const out = upstreamErrorForCaller(caller, err);
      this.recorder.record(ctx, {
        status: 'error',
        httpStatus: out.status,
        errorType: out.type,
        errorMessage: out.message,
      });
      reply.hijack();
      const sameFormat =
        ctx.callerFormat === err.details.wireFormat || (!ctx.format && err.details.wireFormat === 'openai-embeddings');
      writeJson(
        reply.raw,
        out.status,
        {
          ...(sameFormat ? passthroughHeaders(err.details.headers, true) : {}),
          'x-request-id': ctx.requestId,
          'x-lessllm-provider': err.details.providerName,
          ...(ctx.target ? { 'x-lessllm-model': ctx.target.upstreamModel } : {}),
        },
        out.body,
      );
      return;
    }
    const gatewayError = this.toGatewayError(err);
    if (gatewayError.kind === 'internal')
      this.logger.error({ request_id: ctx.requestId, err }, 'unexpected error while serving a call');
    this.recorder.record(ctx, {
      status: 'error',
      httpStatus: gatewayError.status,
      errorType: gatewayError.kind,
      errorMessage: gatewayError.message,
    });
    throw gatewayError;
  }

  private toGatewayError(err: unknown): GatewayError {
    if (err instanceof GatewayError) return err;
    if (err instanceof UpstreamFailure) {
      const kind = err.kind === 'timeout' ? 'upstream_timeout' : 'upstream_unreachable';
      return new GatewayError(kind, err.message, null, err.details.stage ? `upstream_${err.details.stage}` : null);
    }
    return new GatewayError(
      'internal',
      'Internal gateway error. The request id in x-request-id identifies it in the logs.',
    );
  }
}
