import type { Json, WireFormat } from '@lessllm/formats';
import type { AppLogger, CallRouteOutcome, RouterConfig, RouterPort } from '@lessllm/shared';
import { AUTO_MODEL, GatewayError, ROUTER_PORT } from '@lessllm/shared';
import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { RateLimitedWarn } from '../cache/rate-limited-warn';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { GATEWAY_LOGGER } from '../config/logger.token';
import { routingInputOf } from './routing-input';

export interface RouterStats {
  decisions: number;
  forced: number;
  /** Routing turned off for the call (x-lessllm-route: off). */
  off: number;
  timeouts: number;
  failures: number;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Turns a tier request (`model: "auto"` or a tier name) into a model alias: the caller's forced tier, or the
 * router's decision within router.timeout_ms, or router.default_tier — a call never fails because of the router.
 */
@Injectable()
export class RoutePlannerService implements OnModuleDestroy {
  readonly stats: RouterStats = { decisions: 0, forced: 0, off: 0, timeouts: 0, failures: 0 };
  private readonly router: RouterConfig | undefined;
  private readonly warner: RateLimitedWarn;

  constructor(
    @Inject(GATEWAY_CONFIG) loaded: GatewayConfig,
    @Optional() @Inject(ROUTER_PORT) private readonly port: RouterPort | null,
    @Inject(GATEWAY_LOGGER) logger: AppLogger,
  ) {
    this.router = loaded.config.router;
    this.warner = new RateLimitedWarn(logger);
  }

  /** The routing outcome, or null when the request names a model and forces no tier. */
  async plan(format: WireFormat, body: Json, headers: IncomingHttpHeaders): Promise<CallRouteOutcome | null> {
    const router = this.router;
    const model = format.request.model(body);
    const forcedTier = header(headers, 'x-lessllm-tier');
    const routeHeader = header(headers, 'x-lessllm-route')?.trim().toLowerCase();
    if (!router) {
      if (model === AUTO_MODEL || forcedTier !== undefined) {
        throw GatewayError.invalid(
          forcedTier !== undefined ? 'x-lessllm-tier' : 'model',
          'Routing is not configured on this gateway (no `router:` block): name a model instead of "auto" or a tier.',
        );
      }
      return null;
    }
    if (routeHeader !== undefined && routeHeader !== 'off' && routeHeader !== 'on') {
      throw GatewayError.invalid('x-lessllm-route', 'x-lessllm-route must be "off" or "on".');
    }
    const started = performance.now();
    const outcome = (tier: string, o: Omit<CallRouteOutcome, 'requested' | 'tier' | 'model' | 'decision_ms'>) => ({
      requested: forcedTier !== undefined ? `tier:${forcedTier}` : model,
      tier,
      model: router.tiers[tier].model,
      decision_ms: Math.round((performance.now() - started) * 1000) / 1000,
      ...o,
    });
    if (forcedTier !== undefined) {
      if (!router.tiers[forcedTier]) {
        throw GatewayError.invalid(
          'x-lessllm-tier',
          `Unknown tier "${forcedTier}" in x-lessllm-tier; tiers: ${Object.keys(router.tiers).join(', ')}.`,
        );
      }
      this.stats.forced++;
      return outcome(forcedTier, { classifier: 'none', probability: null, reason: 'x-lessllm-tier', source: 'forced' });
    }
    if (model !== AUTO_MODEL) {
      if (!router.tiers[model]) return null;
      this.stats.forced++;
      return outcome(model, {
        classifier: 'none',
        probability: null,
        reason: 'tier named as model',
        source: 'forced',
      });
    }
    const fallback = (reason: string) =>
      outcome(router.default_tier, { classifier: 'none', probability: null, reason, source: 'default' });
    if (routeHeader === 'off') {
      this.stats.off++;
      return fallback('routing off for this call (x-lessllm-route: off)');
    }
    if (!this.port) return fallback('no router available');
    let timer: NodeJS.Timeout | undefined;
    try {
      const decision = await Promise.race([
        this.port.decide(routingInputOf(format, body)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RouterTimeout(router.timeout_ms)), router.timeout_ms);
        }),
      ]);
      if (!router.tiers[decision.tier]) throw new Error(`router answered an unknown tier "${decision.tier}"`);
      this.stats.decisions++;
      return outcome(decision.tier, {
        classifier: decision.classifier,
        probability: decision.probability,
        reason: decision.reason,
        source: 'router',
      });
    } catch (err) {
      const timedOut = err instanceof RouterTimeout;
      if (timedOut) this.stats.timeouts++;
      else this.stats.failures++;
      const message = err instanceof Error ? err.message : String(err);
      this.warner.warn(
        { err: message, router_timeouts: this.stats.timeouts, router_failures: this.stats.failures },
        'router: no decision; using router.default_tier',
      );
      return fallback(timedOut ? `router timeout (${router.timeout_ms} ms)` : `router unavailable: ${message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The strongest tier (cascade escalates to it). */
  strongestTier(): { tier: string; model: string } | null {
    if (!this.router) return null;
    const entries = Object.entries(this.router.tiers);
    const [tier, config] = entries[entries.length - 1];
    return { tier, model: config.model };
  }

  async onModuleDestroy(): Promise<void> {
    await this.port?.close();
  }
}

class RouterTimeout extends Error {
  constructor(ms: number) {
    super(`no decision within ${ms} ms`);
  }
}
