import type { ApiFormat, UpstreamEndpoint } from '@lessllm/shared';
import { Injectable } from '@nestjs/common';
import { newConnectionTiming } from '../egress';
import { abortableSleep } from './abortable-sleep';
import type { CallContext } from './call-context';
import type { ResolvedTarget } from './model-resolver.service';
import { retryDelayMs } from './retry-policy';
import { UpstreamClientService, type UpstreamResponse } from './upstream-client.service';
import { UpstreamFailure } from './upstream-failure';

export interface PreparedRequest {
  endpoint: UpstreamEndpoint;
  body: string;
  /** The format the body is written in. */
  format: ApiFormat;
  /** Fields the translation to that format dropped, and values it changed to fit the target. */
  dropped?: string[];
  adjusted?: string[];
}

/** Raised when the caller disconnected while we were still trying upstreams. */
export class CallerGoneError extends Error {
  constructor() {
    super('caller disconnected');
  }
}

/**
 * Tries the primary target, retrying transient failures with backoff (honouring retry-after), then
 * each fallback in order. Nothing has been sent to the caller while this runs, so retrying is safe.
 */
@Injectable()
export class CallOrchestratorService {
  constructor(private readonly upstream: UpstreamClientService) {}

  async execute<T>(
    ctx: CallContext,
    targets: ResolvedTarget[],
    prepare: (target: ResolvedTarget) => PreparedRequest,
    accept: (target: ResolvedTarget, res: UpstreamResponse, prepared: PreparedRequest) => Promise<T>,
  ): Promise<{ target: ResolvedTarget; result: T; prepared: PreparedRequest }> {
    let lastFailure: UpstreamFailure | undefined;
    for (const target of targets) {
      // A fallback that cannot express the request (e.g. a feature its format lacks) is skipped; the primary's error stands.
      let prepared: PreparedRequest;
      try {
        prepared = prepare(target);
      } catch (err) {
        if (target === targets[0]) throw err;
        continue;
      }
      const retry = this.upstream.retryFor(target);
      for (let attempt = 0; ; attempt++) {
        const outcome = await this.attempt(ctx, target, prepared, accept);
        if (!(outcome instanceof UpstreamFailure)) return { target, result: outcome, prepared };
        lastFailure = outcome;
        if (!outcome.details.retry || attempt >= retry.max_retries) break;
        const delay = retryDelayMs(attempt, outcome.details.headers ?? {}, retry);
        if (delay === null) break;
        if (!(await abortableSleep(delay, ctx.abort.signal))) throw new CallerGoneError();
      }
      if (!lastFailure.details.fallback) break;
    }
    throw lastFailure!;
  }

  private async attempt<T>(
    ctx: CallContext,
    target: ResolvedTarget,
    prepared: PreparedRequest,
    accept: (target: ResolvedTarget, res: UpstreamResponse, prepared: PreparedRequest) => Promise<T>,
  ): Promise<T | UpstreamFailure> {
    const started = performance.now();
    const timing = newConnectionTiming();
    ctx.target = target;
    ctx.connection = timing;
    ctx.upstreamFormat = prepared.format;
    ctx.dropped = prepared.dropped ?? [];
    ctx.adjusted = prepared.adjusted ?? [];
    const record = (status: number | null, errorType: string | null) => {
      const elapsed = performance.now() - started;
      ctx.upstreamMs += elapsed;
      ctx.attempts.push({
        provider: target.providerName,
        model: target.upstreamModel,
        status,
        error_type: errorType,
        duration_ms: Math.round(elapsed),
      });
    };
    try {
      const res = await this.upstream.send(
        target,
        prepared.endpoint,
        prepared.body,
        ctx.abort.signal,
        timing,
        prepared.format,
      );
      ctx.headersAt = performance.now();
      if (res.statusCode < 200 || res.statusCode >= 300) {
        const failure = await this.upstream.failureFromStatus(target, res, prepared.format);
        record(res.statusCode, 'upstream_status');
        return failure;
      }
      const result = await accept(target, res, prepared);
      record(res.statusCode, null);
      return result;
    } catch (err) {
      if (ctx.abort.signal.aborted) throw new CallerGoneError();
      const failure =
        err instanceof UpstreamFailure ? err : this.upstream.failureFromBodyError(target, err, prepared.format);
      if (failure) {
        record(failure.details.status ?? null, failure.kind);
        return failure;
      }
      throw err;
    }
  }
}
