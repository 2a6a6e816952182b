import type { AliasCacheConfig, CacheConfig } from '@lessllm/shared';
import { GatewayError } from '@lessllm/shared';
import type { IncomingHttpHeaders } from 'node:http';

export type CacheDirective = 'default' | 'no-store' | 'no-cache' | 'force';

export interface CacheDecision {
  /** Look for a cached answer before calling the provider. */
  lookup: boolean;
  /** Store the provider's answer (when it is cacheable). */
  store: boolean;
  ttlS: number;
}

export const BYPASS: CacheDecision = { lookup: false, store: false, ttlS: 0 };

const DIRECTIVES = new Set<string>(['no-store', 'no-cache', 'force']);

/** `x-lessllm-cache`: no-store (neither read nor write), no-cache (skip the read, refresh the entry), force. */
export function directiveOf(headers: IncomingHttpHeaders): CacheDirective {
  const raw = headers['x-lessllm-cache'];
  if (raw === undefined || raw === '') return 'default';
  const value = (Array.isArray(raw) ? raw[0] : raw).trim().toLowerCase();
  if (!DIRECTIVES.has(value)) {
    throw GatewayError.invalid(
      'x-lessllm-cache',
      `x-lessllm-cache must be no-store, no-cache or force (got "${value}").`,
    );
  }
  return value as CacheDirective;
}

/** `x-lessllm-cache-ttl`: the entry's lifetime in whole seconds. */
export function ttlHeaderOf(headers: IncomingHttpHeaders): number | null {
  const raw = headers['x-lessllm-cache-ttl'];
  if (raw === undefined || raw === '') return null;
  const value = (Array.isArray(raw) ? raw[0] : raw).trim();
  const ttl = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) {
    throw GatewayError.invalid(
      'x-lessllm-cache-ttl',
      `x-lessllm-cache-ttl must be a positive number of seconds (got "${value}").`,
    );
  }
  return ttl;
}

export interface PolicyInput {
  config: CacheConfig;
  alias: AliasCacheConfig | undefined;
  directive: CacheDirective;
  ttlHeader: number | null;
  deterministic: boolean;
}

/**
 * Operator config first (global and per-alias `enabled`, which callers cannot override), then the caller's
 * directive, then determinism: by default only temperature-0 requests are cached unless the caller forces it.
 */
export function decideCachePolicy(input: PolicyInput): CacheDecision {
  const { config, alias, directive } = input;
  if (!config.exact.enabled || alias?.enabled === false) return BYPASS;
  if (directive === 'no-store') return BYPASS;
  const deterministicOnly = alias?.deterministic_only ?? true;
  if (deterministicOnly && !input.deterministic && directive !== 'force') return BYPASS;
  const ttlS = input.ttlHeader ?? alias?.ttl_s ?? config.exact.default_ttl_s;
  return { lookup: directive !== 'no-cache', store: true, ttlS };
}
