import type { ApiCallRow } from '@lessllm/shared';

/** A complete ApiCallRow with plausible values; override what a test cares about. */
export function makeRow(overrides: Partial<ApiCallRow> = {}): ApiCallRow {
  return {
    request_id: 'req-0',
    timestamp: '2024-06-01 10:00:00.000',
    model: 'gpt-4o',
    requested_model: 'auto',
    provider: 'openai',
    provider_type: 'openai',
    endpoint: '/v1/chat/completions',
    caller_format: 'openai-chat',
    upstream_format: 'openai-chat',
    tenant: 'acme',
    user_id: 'alice',
    is_streaming: true,
    status: 'success',
    http_status: 200,
    error_type: null,
    error_message: null,
    actual_prompt_tokens: 100,
    actual_completion_tokens: 50,
    actual_total_tokens: 150,
    actual_cached_tokens: 20,
    actual_cache_creation_tokens: null,
    actual_reasoning_tokens: null,
    actual_cache_hit_rate: 0.2,
    estimated_prompt_tokens: 98,
    estimated_completion_tokens: 51,
    estimated_cost_usd: 0.001,
    estimated_cached_tokens: 16,
    estimated_cache_hit_rate: 0.16,
    estimated_ttft_ms: 300,
    estimated_tpot_ms: 20,
    total_latency_ms: 1300,
    upstream_headers_ms: 250,
    dns_ms: 1,
    connect_ms: 10,
    proxy_ms: null,
    tls_ms: 15,
    connection_reused: false,
    egress: 'direct',
    attempts: 1,
    output_chunks: 50,
    usage_source: 'provider',
    price_version: '2024-03',
    request_json: '{"model":"auto","messages":[{"role":"user","content":"hi"}]}',
    response_json: '{"choices":[{"message":{"role":"assistant","content":"hello"}}]}',
    request_truncated: false,
    response_truncated: false,
    request_original_chars: 0,
    response_original_chars: 0,
    cache_write_ttl_unknown: false,
    response_cache_status: 'miss',
    response_cache_key: '0123456789abcdef',
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
    ...overrides,
  };
}

export const MODELS = ['gpt-4o', 'claude-3-5-sonnet', 'gemini-1.5-pro'] as const;

/**
 * `count` rows spread over 3 models, 4 users and days 1..5 of `month` (YYYY-MM), with deterministic figures
 * so tests can recompute every aggregate in JS.
 */
export function makeRows(count: number, prefix = 'req', month = '2024-03'): ApiCallRow[] {
  return Array.from({ length: count }, (_, i) => {
    const day = 1 + (i % 5);
    const hour = i % 24;
    const failed = i % 7 === 0;
    return makeRow({
      request_id: `${prefix}-${i}`,
      timestamp: `${month}-0${day} ${String(hour).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00.${String(i % 1000).padStart(3, '0')}`,
      model: MODELS[i % 3],
      provider: i % 3 === 1 ? 'anthropic' : i % 3 === 2 ? 'gemini' : 'openai',
      user_id: `user-${i % 4}`,
      status: failed ? 'error' : 'success',
      http_status: failed ? 500 : 200,
      error_type: failed ? 'upstream_error' : null,
      error_message: failed ? 'provider said no' : null,
      actual_prompt_tokens: failed ? null : 100 + i,
      actual_completion_tokens: failed ? null : 10 + (i % 50),
      actual_total_tokens: failed ? null : 110 + i + (i % 50),
      actual_cache_hit_rate: failed ? null : (i % 10) / 10,
      estimated_cost_usd: failed ? null : 0.0001 * (1 + (i % 13)),
      estimated_cache_hit_rate: (i % 4) / 4,
      estimated_ttft_ms: i % 11 === 0 ? 6000 + i : 200 + (i % 100),
      estimated_tpot_ms: failed ? null : 10 + (i % 20),
    });
  });
}
