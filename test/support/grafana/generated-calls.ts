import type { ApiCallRow } from '@lessllm/shared';

/**
 * Deterministic `api_calls` rows for the dashboard tests: 5 models on 4 providers (one without a price), 3 teams
 * plus calls without a team (one team name with a quote, to exercise escaping), errors and aborts, every
 * response-cache outcome with savings, provider prompt-cache reads reported and predicted, routed calls on two
 * tiers with forced/default decisions and cascade escalations (with their `<id>.cascade` attempt rows), and a few
 * rows outside the dashboard time range that every panel must leave out.
 */

/** The dashboards' time range in the tests: one week, aligned to whole hours (the rollup is hourly). */
export const RANGE = { from: new Date('2024-06-03T00:00:00.000Z'), to: new Date('2024-06-10T00:00:00.000Z') };

interface CatalogEntry {
  model: string;
  provider: string;
  providerType: string;
  /** USD per 1M tokens; null: the model has no price (cost null). */
  price: { input: number; cached: number; output: number } | null;
  ttftBase: number;
  tpotBase: number;
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    model: 'gpt-4o',
    provider: 'openai',
    providerType: 'openai',
    price: { input: 2.5, cached: 1.25, output: 10 },
    ttftBase: 300,
    tpotBase: 12,
  },
  {
    model: 'gpt-4o-mini',
    provider: 'openai',
    providerType: 'openai',
    price: { input: 0.15, cached: 0.075, output: 0.6 },
    ttftBase: 180,
    tpotBase: 6,
  },
  {
    model: 'claude-sonnet-4',
    provider: 'anthropic',
    providerType: 'anthropic',
    price: { input: 3, cached: 0.3, output: 15 },
    ttftBase: 450,
    tpotBase: 15,
  },
  {
    model: 'gemini-2.5-pro',
    provider: 'gemini',
    providerType: 'gemini',
    price: { input: 1.25, cached: 0.31, output: 10 },
    ttftBase: 380,
    tpotBase: 10,
  },
  { model: 'llama-3.1-70b', provider: 'local-vllm', providerType: 'openai', price: null, ttftBase: 250, tpotBase: 20 },
];

export const TENANTS = ['team-a', 'team-b', "o'reilly-labs", ''] as const;

const byModel = (model: string): CatalogEntry => CATALOG.find((c) => c.model === model)!;

function timestampText(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-06-03T00:07:12.345Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

function cost(entry: CatalogEntry, prompt: number, cached: number, completion: number): number | null {
  if (!entry.price) return null;
  const { input, cached: cachedRate, output } = entry.price;
  const micro = (prompt - cached) * input + cached * cachedRate + completion * output;
  return Math.round((micro / 1_000_000) * 1e10) / 1e10;
}

function baseRow(id: string, ms: number, entry: CatalogEntry, tenant: string, user: string): ApiCallRow {
  return {
    request_id: id,
    timestamp: timestampText(ms),
    model: entry.model,
    requested_model: entry.model,
    provider: entry.provider,
    provider_type: entry.providerType,
    endpoint: 'chat',
    caller_format: 'openai-chat',
    upstream_format: 'openai-chat',
    tenant,
    user_id: user,
    is_streaming: true,
    status: 'success',
    http_status: 200,
    error_type: null,
    error_message: null,
    actual_prompt_tokens: null,
    actual_completion_tokens: null,
    actual_total_tokens: null,
    actual_cached_tokens: null,
    actual_cache_creation_tokens: null,
    actual_reasoning_tokens: null,
    actual_cache_hit_rate: null,
    estimated_prompt_tokens: 0,
    estimated_completion_tokens: 0,
    estimated_cost_usd: null,
    estimated_cached_tokens: 0,
    estimated_cache_hit_rate: 0,
    estimated_ttft_ms: null,
    estimated_tpot_ms: null,
    total_latency_ms: 0,
    upstream_headers_ms: null,
    dns_ms: null,
    connect_ms: null,
    proxy_ms: null,
    tls_ms: null,
    connection_reused: true,
    egress: 'direct',
    attempts: 1,
    output_chunks: 0,
    usage_source: 'estimated',
    price_version: entry.price ? '2026-07-24' : '',
    request_json: '{}',
    response_json: '{}',
    request_truncated: false,
    response_truncated: false,
    request_original_chars: 0,
    response_original_chars: 0,
    cache_write_ttl_unknown: false,
    response_cache_status: '',
    response_cache_key: '',
    response_cache_saved_tokens: 0,
    response_cache_saved_cost_usd: null,
    response_cache_similarity: null,
    router_requested: '',
    router_tier: '',
    router_model: '',
    router_classifier: '',
    router_probability: null,
    router_reason: '',
    router_source: '',
    router_decision_ms: null,
    router_escalated_from: '',
  };
}

const CACHE_OUTCOMES = ['hit', 'semantic-hit', 'miss', 'miss', 'miss', 'miss', 'bypass', '', '', ''] as const;

/** One call; `i` drives every choice. */
function makeCall(i: number, ms: number, prefix: string): ApiCallRow[] {
  const routedSlot = i % 6;
  const routed = routedSlot < 3;
  const tier = routedSlot < 2 ? 'small' : 'large';
  const entry = routed ? byModel(tier === 'small' ? 'gpt-4o-mini' : 'gpt-4o') : CATALOG[i % CATALOG.length];
  const tenant = TENANTS[i % TENANTS.length];
  const user = tenant === '' && i % 3 === 0 ? '' : `${tenant || 'none'}/u${i % 3}`;
  const row = baseRow(`${prefix}-${i}`, ms, entry, tenant, user);

  const failed = i % 13 === 5;
  const aborted = !failed && i % 31 === 7;
  const cacheOutcome = failed ? (i % 2 ? 'miss' : '') : CACHE_OUTCOMES[i % CACHE_OUTCOMES.length];
  const cacheHit = cacheOutcome === 'hit' || cacheOutcome === 'semantic-hit';
  const withUsage = !failed && !aborted && !cacheHit && i % 9 !== 4;

  const prompt = 300 + ((i * 37) % 2500);
  const completion = 20 + ((i * 13) % 600);
  const reportedCached = prompt >= 1024 && i % 3 === 0 ? Math.floor((prompt - 200) / 128) * 128 : 0;
  const predictedCached = prompt >= 1024 && (i % 3 === 0 || i % 7 === 0) ? Math.floor((prompt - 100) / 128) * 128 : 0;
  const estimatedPrompt = prompt + (i % 5) - 2;
  const estimatedCompletion = completion + 1;

  row.is_streaming = i % 4 !== 3;
  row.estimated_prompt_tokens = estimatedPrompt;
  row.estimated_completion_tokens = estimatedCompletion;
  row.response_cache_status = cacheOutcome;
  row.response_cache_key = cacheOutcome ? i.toString(16).padStart(16, '0') : '';

  if (failed) {
    row.status = 'error';
    row.http_status = i % 2 ? 500 : 429;
    row.error_type = i % 2 ? 'upstream_error' : 'rate_limited';
    row.error_message = 'provider said no';
    row.estimated_cost_usd = entry.price ? 0 : null; // unbilled
    row.total_latency_ms = 80 + (i % 50);
  } else if (cacheHit) {
    const listCost = cost(entry, estimatedPrompt, 0, estimatedCompletion);
    row.estimated_cost_usd = entry.price ? 0 : null;
    row.response_cache_saved_cost_usd = listCost;
    row.response_cache_saved_tokens = estimatedPrompt + estimatedCompletion;
    row.response_cache_similarity = cacheOutcome === 'semantic-hit' ? 0.86 + (i % 13) / 100 : null;
    row.usage_source = 'response_cache';
    row.estimated_ttft_ms = 3 + (i % 9);
    row.estimated_tpot_ms = row.is_streaming ? 0.2 : null;
    row.total_latency_ms = 10 + (i % 20);
  } else {
    if (withUsage) {
      row.actual_prompt_tokens = prompt;
      row.actual_completion_tokens = completion;
      row.actual_total_tokens = prompt + completion;
      row.actual_cached_tokens = reportedCached;
      row.actual_cache_hit_rate = reportedCached / prompt;
      row.usage_source = 'provider';
      row.estimated_cost_usd = cost(entry, prompt, reportedCached, completion);
    } else {
      row.estimated_cost_usd = cost(entry, estimatedPrompt, predictedCached, estimatedCompletion);
    }
    row.estimated_cached_tokens = predictedCached;
    row.estimated_cache_hit_rate = predictedCached / estimatedPrompt;
    const ttft = entry.ttftBase + ((i * 53) % 700);
    const tpot = row.is_streaming ? entry.tpotBase + ((i * 7) % 30) : null;
    row.estimated_ttft_ms = ttft;
    row.estimated_tpot_ms = tpot;
    row.total_latency_ms = ttft + (tpot ?? 8) * completion;
    if (aborted) row.status = 'aborted';
  }

  if (!routed) return [row];

  const source = i % 11 === 0 ? 'forced' : i % 17 === 0 ? 'default' : 'router';
  const escalated = tier === 'large' && i % 4 === 2 && !failed && !cacheHit;
  row.requested_model = source === 'forced' ? tier : 'auto';
  row.router_requested = row.requested_model;
  row.router_tier = tier;
  row.router_model = entry.model;
  row.router_classifier = escalated ? 'cascade' : 'features';
  row.router_probability = source === 'router' ? (i % 100) / 100 : null;
  row.router_source = source;
  row.router_reason = `${source}: generated`;
  row.router_decision_ms = source === 'router' ? 0.05 : null;
  if (!escalated) return [row];

  // The cheap attempt the cascade rejected, recorded as its own row (with its cost) just before the final one.
  row.router_escalated_from = 'small';
  const mini = byModel('gpt-4o-mini');
  const attempt = baseRow(`${row.request_id}.cascade`, ms - 1500, mini, tenant, user);
  Object.assign(attempt, {
    requested_model: 'auto',
    is_streaming: false,
    actual_prompt_tokens: prompt,
    actual_completion_tokens: 2,
    actual_total_tokens: prompt + 2,
    actual_cached_tokens: 0,
    actual_cache_hit_rate: 0,
    estimated_prompt_tokens: estimatedPrompt,
    estimated_completion_tokens: 2,
    estimated_cost_usd: cost(mini, prompt, 0, 2),
    estimated_ttft_ms: 900,
    total_latency_ms: 900,
    usage_source: 'provider',
    router_requested: 'auto',
    router_tier: 'small',
    router_model: mini.model,
    router_classifier: 'cascade',
    router_source: source,
    router_reason: 'cascade: small answer failed the check (cut_off); escalated to large',
  } satisfies Partial<ApiCallRow>);
  return [attempt, row];
}

export const INSIDE_CALLS = 1400;
const OUTSIDE_CALLS = 30;

/** Calls spread over RANGE (all strictly inside it) plus calls a day or more before and after it. */
export function generateCalls(): ApiCallRow[] {
  const from = RANGE.from.getTime();
  const span = RANGE.to.getTime() - from;
  const step = Math.floor(span / INSIDE_CALLS);
  const rows: ApiCallRow[] = [];
  for (let i = 0; i < INSIDE_CALLS; i++) {
    rows.push(...makeCall(i, from + i * step + ((i * 7919) % 60_000) + 2_000, 'gen'));
  }
  for (let i = 0; i < OUTSIDE_CALLS; i++) {
    const ms = i % 2 ? from - 2 * 86_400_000 + i * 3_600_000 : RANGE.to.getTime() + 86_400_000 + i * 3_600_000;
    rows.push(...makeCall(i, ms, 'outside'));
  }
  return rows;
}

/** Whether a row's timestamp is inside [from, to] (the time filter the dashboards use). */
export function inRange(row: ApiCallRow, range = RANGE): boolean {
  const ms = Date.parse(`${row.timestamp.replace(' ', 'T')}Z`);
  return ms >= range.from.getTime() && ms <= range.to.getTime();
}
