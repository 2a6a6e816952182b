/**
 * One row of `api_calls`, as written to ClickHouse. `actual_*` = what the provider reported (null when it
 * reported nothing); `estimated_*` = what LessLLM measured or computed. Timestamps are UTC strings
 * 'YYYY-MM-DD hh:mm:ss.SSS' (ClickHouse DateTime64(3, 'UTC') text form).
 */
export interface ApiCallRow {
  request_id: string;
  timestamp: string;
  model: string;
  requested_model: string;
  provider: string;
  provider_type: string;
  endpoint: string;
  caller_format: string;
  /** The format the provider was spoken to in ('' when none). */
  upstream_format: string;
  tenant: string;
  user_id: string;
  is_streaming: boolean;
  /** success | error | aborted */
  status: string;
  http_status: number;
  error_type: string | null;
  error_message: string | null;

  actual_prompt_tokens: number | null;
  actual_completion_tokens: number | null;
  actual_total_tokens: number | null;
  actual_cached_tokens: number | null;
  actual_cache_creation_tokens: number | null;
  actual_reasoning_tokens: number | null;
  actual_cache_hit_rate: number | null;

  estimated_prompt_tokens: number;
  estimated_completion_tokens: number;
  estimated_cost_usd: number | null;
  estimated_cached_tokens: number;
  estimated_cache_hit_rate: number;
  estimated_ttft_ms: number | null;
  estimated_tpot_ms: number | null;
  total_latency_ms: number;

  upstream_headers_ms: number | null;
  dns_ms: number | null;
  connect_ms: number | null;
  proxy_ms: number | null;
  tls_ms: number | null;
  connection_reused: boolean;
  egress: string;
  attempts: number;
  output_chunks: number;
  /** Where the cost's token counts came from: 'provider' (actual usage) or 'estimated' (tokenizer). */
  usage_source: string;
  /** The price table version used for estimated_cost_usd ('' when the model is unknown). */
  price_version: string;
  request_json: string;
  response_json: string;
  /** The body kept in request_json / response_json was cut to bound the record (the caller got all of it). */
  request_truncated: boolean;
  response_truncated: boolean;
  /** Characters of the cut body's original JSON (0 when not cut). */
  request_original_chars: number;
  response_original_chars: number;
  /** Anthropic cache writes whose 1-hour share nothing reported: billed at the 5-minute rate (a lower bound). */
  cache_write_ttl_unknown: boolean;

  /** The gateway's response cache: 'hit' | 'semantic-hit' | 'miss' | 'bypass' | '' (not consulted). */
  response_cache_status: string;
  response_cache_key: string;
  /** Prompt + completion tokens a hit did not spend upstream. */
  response_cache_saved_tokens: number;
  /** What a hit would have cost at list price (null: unknown model, or not a hit). */
  response_cache_saved_cost_usd: number | null;
  /** On a semantic-hit: cosine similarity of the last user turn to the cached one (null otherwise). */
  response_cache_similarity: number | null;

  /** Router decision (empty / null when the caller named a model): see CallRouteOutcome. */
  router_requested: string;
  router_tier: string;
  router_model: string;
  router_classifier: string;
  router_probability: number | null;
  router_reason: string;
  /** 'router' | 'forced' | 'default'. */
  router_source: string;
  router_decision_ms: number | null;
  router_escalated_from: string;
}
