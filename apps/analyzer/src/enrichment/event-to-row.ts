import { asNumber, asRecord, safeStringify } from '@lessllm/formats';
import type { ApiCallRow, CallEvent, CostUsage, ModelPrice, NormalizedUsage, PriceMatch } from '@lessllm/shared';
import { callCost } from '@lessllm/shared';
import type { TokenCounter } from '@lessllm/tokens';
import type { CachePrediction, CachePredictor } from './cache-predictor';

/** Same shape as `findPrice` from @lessllm/shared (pass it directly, or a wrapper). */
export type PriceLookup = (
  provider: string,
  model: string,
  overrides?: Readonly<Record<string, ModelPrice>>,
) => PriceMatch | null;

export interface EnrichmentDeps {
  tokens: TokenCounter;
  predictor: CachePredictor;
  prices: PriceLookup;
  /** Caller price overrides (config), keyed by model id or `provider/model`. */
  overrides?: Readonly<Record<string, ModelPrice>>;
  /** Called once per provider/model without a price (per deps object). */
  warn?: (message: string) => void;
}

const NO_PREDICTION: CachePrediction = {
  estimated_cached_tokens: 0,
  estimated_cache_hit_rate: 0,
  estimated_cache_write_tokens: 0,
  estimated_cache_write_1h_tokens: 0,
  mechanism: 'none',
};

const warned = new WeakMap<EnrichmentDeps, Set<string>>();

function warnOnce(deps: EnrichmentDeps, key: string, message: string): void {
  if (!deps.warn) return;
  let seen = warned.get(deps);
  if (!seen) warned.set(deps, (seen = new Set()));
  if (seen.has(key)) return;
  seen.add(key);
  deps.warn(message);
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** ISO-8601 → ClickHouse DateTime64(3) text 'YYYY-MM-DD hh:mm:ss.SSS' (UTC). */
export function formatTimestamp(iso: string, fallbackMs: number): string {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(iso)) return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  const ms = Date.parse(iso);
  const text = new Date(Number.isFinite(ms) ? ms : fallbackMs).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 23)}`;
}

/** The `cache_control` TTLs a request asks for, wherever its blocks carry them (system, messages, tools). */
function cacheTtlsIn(request: unknown): Set<string> {
  const ttls = new Set<string>();
  const stack: unknown[] = [request];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) for (const item of node) stack.push(item);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'cache_control') {
          const ttl = asRecord(value)?.ttl;
          ttls.add(typeof ttl === 'string' ? ttl : '5m');
        } else if (value !== null && typeof value === 'object') stack.push(value);
      }
    }
  }
  return ttls;
}

/**
 * Anthropic's 1-hour cache writes. From the raw usage's `cache_creation` breakdown when the answer has one (the
 * stream decoder keeps message_start's); otherwise from the request when its TTLs settle it (all `1h`: every
 * write; none: no write). Else unknown: billed at the 5-minute rate, and the row says so.
 */
function oneHourWrites(usage: NormalizedUsage, raw: unknown, request: unknown): { tokens: number; unknown: boolean } {
  const breakdown = asRecord(asRecord(raw)?.cache_creation);
  if (breakdown) return { tokens: asNumber(breakdown.ephemeral_1h_input_tokens) ?? 0, unknown: false };
  const anthropic = asRecord(raw)?.cache_creation_input_tokens !== undefined;
  if (!anthropic || usage.cache_creation_tokens === 0) return { tokens: 0, unknown: false };
  const ttls = cacheTtlsIn(request);
  if (!ttls.has('1h')) return { tokens: 0, unknown: false };
  if (ttls.size === 1) return { tokens: usage.cache_creation_tokens, unknown: false };
  return { tokens: 0, unknown: true };
}

/**
 * Cache reads for pricing. DeepSeek reports hits as `prompt_cache_hit_tokens` (§4.4), which the OpenAI-shape
 * normaliser does not map to `cached_tokens`; the cost uses them anyway (actual_cached_tokens stays as reported).
 */
function cacheReads(usage: NormalizedUsage, raw: unknown): number {
  if (usage.cached_tokens > 0) return usage.cached_tokens;
  return Math.min(asNumber(asRecord(raw)?.prompt_cache_hit_tokens) ?? 0, usage.prompt_tokens);
}

/**
 * TTFT: streams = first output token at the gateway (`timing.first_token_ms`). Non-streaming calls deliver the
 * first token together with the whole answer, so TTFT = total latency (not `upstream_headers_ms`, which is
 * kept in its own column). Null when no output reached the caller (errors before any token).
 */
function ttft(event: CallEvent): number | null {
  if (event.is_streaming) return event.timing.first_token_ms;
  return event.status !== 'error' && event.response != null ? event.timing.total_ms : null;
}

/** TPOT for streams with ≥ 2 output tokens: (total − first token) / (tokens − 1); provider count preferred. */
function tpot(event: CallEvent, completionTokens: number): number | null {
  const first = event.timing.first_token_ms;
  if (!event.is_streaming || first === null || completionTokens < 2) return null;
  return round3(Math.max(0, event.timing.total_ms - first) / (completionTokens - 1));
}

function actualHitRate(usage: NormalizedUsage | null): number | null {
  return usage && usage.prompt_tokens > 0 ? usage.cached_tokens / usage.prompt_tokens : null;
}

/**
 * One `api_calls` row from a CallEvent: provider figures go to `actual_*` untouched; token counts, cache
 * prediction, cost and timing figures are computed here.
 *
 * Cost: from provider usage when present (`usage_source` 'provider'), otherwise from the estimates ('estimated':
 * tokenizer counts, predicted cache reads/writes). Failed calls without usage and without any output token are
 * assumed unbilled (cost 0). Unknown models: cost null, price_version '', one `warn` per provider/model.
 */
/** The tier that served the call, as the provider reported it: Anthropic in its usage, OpenAI in the response. */
function servedTier(event: CallEvent): string | null {
  const tier = asRecord(event.usage_raw)?.service_tier ?? asRecord(event.response)?.service_tier;
  return typeof tier === 'string' ? tier : null;
}

/**
 * A token count made on a body the gateway cut for the record (`limits.recorded_body_kb`), scaled up to the body
 * the caller really sent by the ratio of their sizes: a rough estimate, but not one a thousand times too low.
 */
function scaledForCut(tokens: number, body: unknown, originalChars: number | undefined): number {
  if (originalChars === undefined || originalChars <= 0 || tokens === 0) return tokens;
  const keptChars = JSON.stringify(body)?.length ?? 0;
  return keptChars > 0 && originalChars > keptChars ? Math.round((tokens * originalChars) / keptChars) : tokens;
}

export async function toApiCallRow(event: CallEvent, deps: EnrichmentDeps): Promise<ApiCallRow> {
  const rendered = deps.tokens.renderPrompt(event.request, event.caller_format, event.model, event.endpoint);
  const prompt = { ...rendered, tokens: scaledForCut(rendered.tokens, event.request, event.truncated?.request) };
  const completionEstimate = scaledForCut(
    deps.tokens.countCompletionTokens(event.response, event.caller_format, event.model),
    event.response,
    event.truncated?.response,
  );
  const usage = event.usage;
  const timing = event.timing;

  // A response-cache hit (exact or semantic) never reached the provider: nothing was billed, nothing was read
  // from its prompt cache.
  const cacheHit = event.cache?.status === 'hit' || event.cache?.status === 'semantic-hit';
  const route = event.route;
  // Token counting (count_tokens, input_tokens) costs nothing and reads no cache.
  const counting = event.endpoint === 'messages.count_tokens' || event.endpoint === 'responses.input_tokens';
  const prediction =
    event.endpoint === 'embeddings' || event.status === 'error' || cacheHit || counting
      ? NO_PREDICTION
      : await deps.predictor.predict({
          tenant: event.tenant,
          provider: event.provider,
          providerType: event.provider_type,
          model: event.model,
          prompt,
          request: event.request,
          callerFormat: event.caller_format,
          startedAtMs: timing.started_at_ms,
          readyAtMs: timing.started_at_ms + (timing.upstream_headers_ms ?? timing.first_token_ms ?? timing.total_ms),
        });

  const match = deps.prices(event.provider, event.model, deps.overrides);
  if (!match) {
    warnOnce(
      deps,
      `${event.provider}/${event.model}`,
      `no price for model "${event.model}" (provider "${event.provider}"): estimated_cost_usd is null; add it to the price overrides`,
    );
  }
  const unbilled = counting || (event.status === 'error' && !usage && timing.first_token_ms === null);
  const writes1h = usage ? oneHourWrites(usage, event.usage_raw, event.request) : { tokens: 0, unknown: false };
  const costUsage: CostUsage = usage
    ? {
        ...usage,
        cached_tokens: cacheReads(usage, event.usage_raw),
        cache_creation_1h_tokens: writes1h.tokens,
      }
    : {
        prompt_tokens: unbilled ? 0 : prompt.tokens,
        completion_tokens: unbilled ? 0 : completionEstimate,
        cached_tokens: unbilled ? 0 : prediction.estimated_cached_tokens,
        cache_creation_tokens: unbilled ? 0 : prediction.estimated_cache_write_tokens,
        cache_creation_1h_tokens: unbilled ? 0 : prediction.estimated_cache_write_1h_tokens,
      };
  const listCost = match
    ? callCost(match.price, costUsage, match.accounting, {
        family: match.family,
        totalTokens: usage?.total_tokens,
        serviceTier: servedTier(event),
        at: new Date(timing.started_at_ms),
      })
    : null;
  const cost = cacheHit && listCost !== null ? 0 : listCost;
  const providerUsage = cacheHit ? null : usage;

  return {
    request_id: event.request_id,
    timestamp: formatTimestamp(event.timestamp, timing.started_at_ms),
    model: event.model,
    requested_model: event.requested_model,
    provider: event.provider,
    provider_type: event.provider_type ?? '',
    endpoint: event.endpoint,
    caller_format: event.caller_format,
    upstream_format: event.upstream_format ?? '',
    tenant: event.tenant ?? '',
    user_id: event.user_id ?? '',
    is_streaming: event.is_streaming,
    status: event.status,
    http_status: event.http_status,
    error_type: event.error_type,
    error_message: event.error_message,

    actual_prompt_tokens: providerUsage?.prompt_tokens ?? null,
    actual_completion_tokens: providerUsage?.completion_tokens ?? null,
    actual_total_tokens: providerUsage?.total_tokens ?? null,
    actual_cached_tokens: providerUsage?.cached_tokens ?? null,
    actual_cache_creation_tokens: providerUsage?.cache_creation_tokens ?? null,
    actual_reasoning_tokens: providerUsage?.reasoning_tokens ?? null,
    actual_cache_hit_rate: actualHitRate(providerUsage),

    estimated_prompt_tokens: prompt.tokens,
    estimated_completion_tokens: completionEstimate,
    estimated_cost_usd: cost,
    estimated_cached_tokens: prediction.estimated_cached_tokens,
    estimated_cache_hit_rate: prediction.estimated_cache_hit_rate,
    estimated_ttft_ms: ttft(event),
    estimated_tpot_ms: tpot(event, usage?.completion_tokens ?? completionEstimate),
    total_latency_ms: timing.total_ms,

    upstream_headers_ms: timing.upstream_headers_ms,
    dns_ms: timing.dns_ms,
    connect_ms: timing.connect_ms,
    proxy_ms: timing.proxy_ms,
    tls_ms: timing.tls_ms,
    connection_reused: timing.connection_reused,
    egress: event.egress ?? '',
    attempts: event.attempts.length,
    output_chunks: event.output_chunks,
    usage_source: cacheHit ? 'response_cache' : usage ? 'provider' : 'estimated',
    price_version: match ? match.version : '',
    request_json: safeStringify(event.request),
    response_json: event.response == null ? '' : safeStringify(event.response),
    request_truncated: event.truncated?.request !== undefined,
    response_truncated: event.truncated?.response !== undefined,
    request_original_chars: Math.max(0, event.truncated?.request ?? 0),
    response_original_chars: Math.max(0, event.truncated?.response ?? 0),
    cache_write_ttl_unknown: writes1h.unknown && !cacheHit,

    response_cache_status: event.cache?.status ?? '',
    response_cache_key: event.cache?.key_hash ?? '',
    response_cache_saved_tokens: cacheHit
      ? (event.cache?.saved_prompt_tokens ?? 0) + (event.cache?.saved_completion_tokens ?? 0)
      : 0,
    response_cache_saved_cost_usd: cacheHit ? listCost : null,
    response_cache_similarity:
      event.cache?.status === 'semantic-hit' && typeof event.cache.similarity === 'number'
        ? event.cache.similarity
        : null,

    router_requested: route?.requested ?? '',
    router_tier: route?.tier ?? '',
    router_model: route?.model ?? '',
    router_classifier: route?.classifier ?? '',
    router_probability: typeof route?.probability === 'number' ? route.probability : null,
    router_reason: route?.reason ?? '',
    router_source: route?.source ?? '',
    router_decision_ms: typeof route?.decision_ms === 'number' ? route.decision_ms : null,
    router_escalated_from: route?.escalated_from ?? '',
  };
}

/** A `{ toRow }` enricher over fixed deps (one warn-once set, one predictor state). */
export function createCallEnricher(deps: EnrichmentDeps): { toRow(event: CallEvent): Promise<ApiCallRow> } {
  return { toRow: (event) => toApiCallRow(event, deps) };
}
