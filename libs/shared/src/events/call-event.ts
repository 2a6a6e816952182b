import type { ProviderType } from '../config/config.schema';

/** The wire formats of libs/formats, by name. */
export type WireFormatName = 'openai-chat' | 'anthropic-messages' | 'openai-responses' | 'openai-completions';
/** What a caller spoke: a wire format, or OpenAI embeddings (not a chat format). */
export type ApiFormat = WireFormatName | 'openai-embeddings';
export type Endpoint =
  | 'chat.completions'
  | 'messages'
  | 'responses'
  | 'completions'
  | 'embeddings'
  | 'messages.count_tokens'
  | 'responses.input_tokens';
export type CallStatus = 'success' | 'error' | 'aborted';

/** Where the time went, in ms. Stage durations are null when the stage did not happen (reused connection, no proxy). */
export interface CallTiming {
  /** Epoch ms when the gateway received the request. */
  started_at_ms: number;
  dns_ms: number | null;
  connect_ms: number | null;
  /** Proxy handshake: CONNECT tunnel or SOCKS negotiation (auth included). */
  proxy_ms: number | null;
  tls_ms: number | null;
  connection_reused: boolean;
  /** From start until the final attempt's upstream response headers. */
  upstream_headers_ms: number | null;
  /** From start until the first output token (content/tool-call delta) reached the gateway. */
  first_token_ms: number | null;
  /** From start until the last byte was sent to the caller. */
  total_ms: number;
}

/** Usage as the provider reported it, normalised to one shape. Raw provider fields are in `usage_raw`. */
export interface NormalizedUsage {
  /** All prompt tokens, cached ones included (Anthropic: input + cache read + cache write). */
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number | null;
}

export interface CallAttempt {
  provider: string;
  model: string;
  status: number | null;
  error_type: string | null;
  duration_ms: number;
}

/** `semantic-hit`: answered from the semantic cache (a close enough earlier request), like a `hit`. */
export type CacheStatus = 'hit' | 'semantic-hit' | 'miss' | 'bypass';

/**
 * The response cache's part in a call. On `hit` the answer came from the cache: `usage` is the cached answer's
 * usage and nothing was spent upstream (no attempts), so analytics must count it as saved, not as cost.
 */
export interface CallCacheOutcome {
  status: CacheStatus;
  /** First 16 hex digits of the cache key; null when the cache was not consulted. */
  key_hash: string | null;
  saved_prompt_tokens: number;
  saved_completion_tokens: number;
  /** On `semantic-hit`: cosine similarity of the last user turn to the cached one. */
  similarity?: number;
}

/**
 * The router's part in a call that asked for a tier (`model: "auto"` or a tier name). `source`: `router` = the
 * classifier decided; `forced` = the caller named the tier (model or x-lessllm-tier); `default` = the router was
 * slow, failed, or routing was off for the call (x-lessllm-route: off), so router.default_tier was used.
 */
export interface CallRouteOutcome {
  requested: string;
  tier: string;
  /** The tier's model alias. */
  model: string;
  classifier: string;
  probability: number | null;
  reason: string;
  source: 'router' | 'forced' | 'default';
  /** Time spent waiting for the decision. */
  decision_ms: number;
  /** Cascade: the cheap tier's answer failed the quality check and the call was escalated to this tier. */
  escalated_from?: string;
}

/**
 * One record per call, published after the response is sent. Schema changes bump `version`.
 * Version 2: `caller_format` names the wire format (`openai-chat`, `anthropic-messages`, `openai-responses`,
 * `openai-completions`, `openai-embeddings`; version 1 said `openai` / `anthropic`), `upstream_format` added.
 */
export interface CallEventV2 {
  version: 2;
  request_id: string;
  /** ISO-8601 UTC, millisecond precision: when the call started. */
  timestamp: string;
  endpoint: Endpoint;
  caller_format: ApiFormat;
  /** The format the provider was spoken to in (null when no upstream was reached or chosen). */
  upstream_format: ApiFormat | null;
  tenant: string | null;
  user_id: string | null;
  requested_model: string;
  model: string;
  provider: string;
  provider_type: ProviderType | null;
  is_streaming: boolean;
  status: CallStatus;
  http_status: number;
  error_type: string | null;
  error_message: string | null;
  /** The caller's request body as received (no headers, so no keys). */
  request: unknown;
  /** The response the caller got; for streams, the assembled message. */
  response: unknown;
  usage: NormalizedUsage | null;
  usage_raw: unknown;
  /** Number of output deltas streamed (content, tool-call, reasoning), for TPOT when usage is missing. */
  output_chunks: number;
  timing: CallTiming;
  attempts: CallAttempt[];
  /** Egress route of the final attempt: 'direct' or the masked proxy URL. */
  egress: string | null;
  /** Response-cache outcome (chat calls); absent when no cache decision was made (e.g. rejected requests). */
  cache?: CallCacheOutcome;
  /** Routing outcome; absent when the caller named a model (no routing). */
  route?: CallRouteOutcome;
  /**
   * Bodies cut to keep the record bounded (limits.recorded_body_kb, or the bus's message size): the size of each
   * cut body as it was (characters of its JSON). The caller got everything; only the record is shortened.
   */
  truncated?: { request?: number; response?: number };
}

export type CallEvent = CallEventV2;
export const CALL_EVENT_VERSION = 2;

/** A version-1 event (caller_format `openai` / `anthropic`, no upstream_format) read as version 2. */
export function upgradeCallEvent(record: Record<string, unknown>): CallEvent {
  if (record.version === CALL_EVENT_VERSION) return record as unknown as CallEvent;
  const legacy = record.caller_format;
  const callerFormat =
    legacy === 'anthropic'
      ? 'anthropic-messages'
      : record.endpoint === 'embeddings'
        ? 'openai-embeddings'
        : 'openai-chat';
  return {
    ...record,
    version: CALL_EVENT_VERSION,
    caller_format: callerFormat,
    upstream_format: null,
  } as unknown as CallEvent;
}
