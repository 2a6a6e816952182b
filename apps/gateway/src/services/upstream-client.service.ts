import type { ApiFormat, RetryConfig, TimeoutsConfig, UpstreamEndpoint } from '@lessllm/shared';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { request, type Dispatcher } from 'undici';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import {
  EgressDispatchers,
  EgressError,
  connectionTimingStore,
  resolveEgressRoute,
  type ConnectionTiming,
} from '../egress';
import type { ResolvedTarget } from './model-resolver.service';
import { judgeStatus } from './retry-policy';
import { UpstreamFailure } from './upstream-failure';

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

const TIMEOUT_CODES: Record<string, string> = {
  UND_ERR_HEADERS_TIMEOUT: 'response headers',
  UND_ERR_BODY_TIMEOUT: 'stream idle',
  UND_ERR_CONNECT_TIMEOUT: 'connect',
};

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Finds our EgressError whether undici hands it over as is or wrapped as a cause. */
function egressErrorOf(err: unknown): EgressError | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EgressError) return e;
  }
  return undefined;
}

/** Sends one upstream request through the provider's egress route and classifies what went wrong. */
@Injectable()
export class UpstreamClientService implements OnApplicationShutdown {
  private readonly dispatchers = new EgressDispatchers();
  /** The route each pool's connections last went out by, so requests on reused connections can name it too. */
  private readonly lastEgress = new Map<string, string>();

  constructor(@Inject(GATEWAY_CONFIG) private readonly loaded: GatewayConfig) {}

  /** limits.upstream_response_mb in bytes: the most one upstream body may bring in. */
  get maxResponseBytes(): number {
    return Math.round(this.loaded.config.limits.upstream_response_mb * 1024 * 1024);
  }

  /**
   * What went wrong reading a 2xx response's body (after the headers), as a failure the caller gets in its format:
   * a stall is a 504 naming the stage, an oversized body a 502 naming the limit, a dropped connection a 502.
   * Null when `err` is not a transport error (a bug of ours, left to surface as such).
   */
  failureFromBodyError(target: ResolvedTarget, err: unknown, wireFormat: ApiFormat): UpstreamFailure | null {
    const code = errorCode(err);
    const base = { providerName: target.providerName, wireFormat };
    if (code === 'UND_ERR_BODY_TIMEOUT') {
      const idle = this.timeoutsFor(target).idle_ms;
      return new UpstreamFailure(
        'timeout',
        `${target.providerName}: the response body stalled for more than timeouts.idle_ms=${idle} after the headers`,
        { ...base, stage: 'response body', retry: false, fallback: true },
      );
    }
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
      const message = `${target.providerName} sent a response larger than limits.upstream_response_mb=${this.loaded.config.limits.upstream_response_mb}`;
      return new UpstreamFailure('protocol', message, {
        ...base,
        status: 502,
        body: JSON.stringify({
          error: { message, type: 'upstream_error', param: null, code: 'upstream_response_too_large' },
        }),
        retry: false,
        fallback: false,
      });
    }
    if (code?.startsWith('UND_ERR') || code === 'ECONNRESET' || code === 'EPIPE') {
      return new UpstreamFailure(
        'egress',
        `${target.providerName}: connection lost while reading the response (${code})`,
        {
          ...base,
          stage: 'response body',
          retry: true,
          fallback: true,
        },
      );
    }
    return null;
  }

  timeoutsFor(target: ResolvedTarget): TimeoutsConfig {
    return { ...this.loaded.config.timeouts, ...target.provider.timeouts };
  }

  retryFor(target: ResolvedTarget): RetryConfig {
    return { ...this.loaded.config.retry, ...target.provider.retry };
  }

  async send(
    target: ResolvedTarget,
    endpoint: UpstreamEndpoint,
    body: string,
    signal: AbortSignal,
    timing: ConnectionTiming,
    wireFormat: ApiFormat,
  ): Promise<UpstreamResponse> {
    const url = new URL(endpoint.url);
    const proxy = target.provider.proxy === undefined ? this.loaded.config.proxy : target.provider.proxy;
    const route = resolveEgressRoute(proxy, url);
    const poolKey = `${target.providerName}|${url.origin}`;
    const dispatcher = this.dispatchers.get(
      poolKey,
      route,
      this.timeoutsFor(target),
      target.provider.max_connections,
      this.maxResponseBytes,
    );
    const base = { providerName: target.providerName, wireFormat };
    try {
      const res = await connectionTimingStore.run(timing, () =>
        request(url, { method: 'POST', headers: endpoint.headers, body, dispatcher, signal }),
      );
      if (timing.egress) this.lastEgress.set(poolKey, timing.egress);
      else timing.egress = this.lastEgress.get(poolKey) ?? null;
      return res;
    } catch (err) {
      if (signal.aborted) throw err;
      const egress = egressErrorOf(err);
      if (egress) {
        throw new UpstreamFailure('egress', `${target.providerName}: ${egress.message}`, {
          ...base,
          stage: egress.stage,
          retry: true,
          fallback: true,
        });
      }
      const code = errorCode(err);
      const timeoutStage = code ? TIMEOUT_CODES[code] : undefined;
      if (timeoutStage) {
        const limit =
          code === 'UND_ERR_HEADERS_TIMEOUT'
            ? `timeouts.headers_ms=${this.timeoutsFor(target).headers_ms}`
            : `timeouts.connect_ms`;
        throw new UpstreamFailure(
          'timeout',
          `${target.providerName}: no ${timeoutStage} from ${url.host} within ${limit}`,
          {
            ...base,
            stage: timeoutStage,
            retry: code === 'UND_ERR_CONNECT_TIMEOUT',
            fallback: true,
          },
        );
      }
      const reason = (err as Error).message || code || 'unknown error';
      throw new UpstreamFailure(
        'egress',
        `${target.providerName}: request to ${url.host} failed (${code ?? 'error'}: ${reason})`,
        {
          ...base,
          stage: 'connect',
          retry: true,
          fallback: true,
        },
      );
    }
  }

  /** Turns a non-2xx response into a failure carrying the upstream body for faithful pass-through. */
  async failureFromStatus(
    target: ResolvedTarget,
    res: UpstreamResponse,
    wireFormat: ApiFormat,
  ): Promise<UpstreamFailure> {
    const text = await res.body.text().catch(() => '');
    const verdict = judgeStatus(res.statusCode, res.headers, text, target.adapter.retryableStatus);
    return new UpstreamFailure('status', `${target.providerName} answered ${res.statusCode}`, {
      providerName: target.providerName,
      wireFormat,
      status: res.statusCode,
      headers: res.headers,
      body: text,
      ...verdict,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dispatchers.close();
  }
}
