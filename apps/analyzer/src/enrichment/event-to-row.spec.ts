import type { CallEvent } from '@lessllm/shared';
import { findPrice, PRICE_TABLE_VERSION } from '@lessllm/shared';
import { TokenCounter } from '@lessllm/tokens';
import { describe, expect, it, vi } from 'vitest';
import { CachePredictor } from './cache-predictor';
import type { EnrichmentDeps } from './event-to-row';
import { createCallEnricher, formatTimestamp, toApiCallRow } from './event-to-row';

const tokens = new TokenCounter();
const START = Date.UTC(2026, 6, 24, 9, 30, 15, 123);

function deps(over: Partial<EnrichmentDeps> = {}): EnrichmentDeps {
  return { tokens, predictor: new CachePredictor(), prices: findPrice, ...over };
}

const openaiRequest = {
  model: 'fast',
  stream: true,
  stream_options: { include_usage: true },
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Name three prime numbers.' },
  ],
};
const openaiResponse = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_785_000_000,
  model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: '2, 3 and 5.' }, finish_reason: 'stop' }],
};

function streamEvent(over: Partial<CallEvent> = {}): CallEvent {
  return {
    version: 2,
    request_id: 'req-stream',
    timestamp: new Date(START).toISOString(),
    endpoint: 'chat.completions',
    caller_format: 'openai-chat',
    upstream_format: 'openai-chat',
    tenant: 'acme',
    user_id: 'u-1',
    requested_model: 'fast',
    model: 'gpt-4o-2024-08-06',
    provider: 'openai',
    provider_type: 'openai',
    is_streaming: true,
    status: 'success',
    http_status: 200,
    error_type: null,
    error_message: null,
    request: openaiRequest,
    response: openaiResponse,
    usage: {
      prompt_tokens: 2_000,
      completion_tokens: 11,
      total_tokens: 2_011,
      cached_tokens: 1_024,
      cache_creation_tokens: 0,
      reasoning_tokens: 0,
    },
    usage_raw: { prompt_tokens: 2_000 },
    output_chunks: 9,
    timing: {
      started_at_ms: START,
      dns_ms: 1.5,
      connect_ms: 10,
      proxy_ms: null,
      tls_ms: 20,
      connection_reused: false,
      upstream_headers_ms: 300,
      first_token_ms: 350,
      total_ms: 550,
    },
    attempts: [
      { provider: 'openai', model: 'gpt-4o-2024-08-06', status: 429, error_type: 'rate_limit', duration_ms: 40 },
      { provider: 'openai', model: 'gpt-4o-2024-08-06', status: 200, error_type: null, duration_ms: 500 },
    ],
    egress: 'socks5h://proxy:1080',
    ...over,
  };
}

const anthropicRequest = {
  model: 'claude-sonnet-4-5-20250929',
  max_tokens: 256,
  system: 'You are helpful.',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello!' }] }],
};
const anthropicResponse = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'Hi! How can I help?' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 100, output_tokens: 200, cache_read_input_tokens: 10_000, cache_creation_input_tokens: 0 },
};

function nonStreamEvent(over: Partial<CallEvent> = {}): CallEvent {
  return {
    version: 2,
    request_id: 'req-plain',
    timestamp: '2026-07-24T09:30:15.123Z',
    endpoint: 'messages',
    caller_format: 'anthropic-messages',
    upstream_format: 'anthropic-messages',
    tenant: null,
    user_id: null,
    requested_model: 'claude',
    model: 'claude-sonnet-4-5-20250929',
    provider: 'anthropic',
    provider_type: 'anthropic',
    is_streaming: false,
    status: 'success',
    http_status: 200,
    error_type: null,
    error_message: null,
    request: anthropicRequest,
    response: anthropicResponse,
    usage: {
      prompt_tokens: 10_100,
      completion_tokens: 200,
      total_tokens: 10_300,
      cached_tokens: 10_000,
      cache_creation_tokens: 0,
      reasoning_tokens: null,
    },
    usage_raw: anthropicResponse.usage,
    output_chunks: 0,
    timing: {
      started_at_ms: START,
      dns_ms: null,
      connect_ms: null,
      proxy_ms: null,
      tls_ms: null,
      connection_reused: true,
      upstream_headers_ms: 1_900,
      first_token_ms: null,
      total_ms: 2_000,
    },
    attempts: [
      { provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', status: 200, error_type: null, duration_ms: 1_990 },
    ],
    egress: null,
    ...over,
  };
}

describe('toApiCallRow', () => {
  it('maps a streaming OpenAI event', async () => {
    const event = streamEvent();
    const row = await toApiCallRow(event, deps());
    const promptEstimate = tokens.countChatPromptTokens(openaiRequest, 'openai', 'gpt-4o-2024-08-06');
    const completionEstimate = tokens.countCompletionTokens(openaiResponse, 'openai', 'gpt-4o-2024-08-06');
    expect(row).toEqual({
      request_id: 'req-stream',
      timestamp: '2026-07-24 09:30:15.123',
      model: 'gpt-4o-2024-08-06',
      requested_model: 'fast',
      provider: 'openai',
      provider_type: 'openai',
      endpoint: 'chat.completions',
      caller_format: 'openai-chat',
      upstream_format: 'openai-chat',
      tenant: 'acme',
      user_id: 'u-1',
      is_streaming: true,
      status: 'success',
      http_status: 200,
      error_type: null,
      error_message: null,
      actual_prompt_tokens: 2_000,
      actual_completion_tokens: 11,
      actual_total_tokens: 2_011,
      actual_cached_tokens: 1_024,
      actual_cache_creation_tokens: 0,
      actual_reasoning_tokens: 0,
      actual_cache_hit_rate: 1_024 / 2_000,
      estimated_prompt_tokens: promptEstimate,
      estimated_completion_tokens: completionEstimate,
      estimated_cost_usd: (976 * 2.5 + 1_024 * 1.25 + 11 * 10) / 1e6,
      estimated_cached_tokens: 0,
      estimated_cache_hit_rate: 0,
      estimated_ttft_ms: 350,
      estimated_tpot_ms: 20, // (550 − 350) / (11 − 1)
      total_latency_ms: 550,
      upstream_headers_ms: 300,
      dns_ms: 1.5,
      connect_ms: 10,
      proxy_ms: null,
      tls_ms: 20,
      connection_reused: false,
      egress: 'socks5h://proxy:1080',
      attempts: 2,
      output_chunks: 9,
      usage_source: 'provider',
      price_version: PRICE_TABLE_VERSION,
      request_json: JSON.stringify(openaiRequest),
      response_json: JSON.stringify(openaiResponse),
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
    });
    expect(promptEstimate).toBeGreaterThan(10);
    expect(completionEstimate).toBeGreaterThan(3);
  });

  it('maps a non-streaming Anthropic event (TTFT = total latency, no TPOT, 0.0063 USD)', async () => {
    const row = await toApiCallRow(nonStreamEvent(), deps());
    expect(row).toMatchObject({
      timestamp: '2026-07-24 09:30:15.123',
      tenant: '',
      user_id: '',
      egress: '',
      provider_type: 'anthropic',
      actual_prompt_tokens: 10_100,
      actual_cached_tokens: 10_000,
      actual_reasoning_tokens: null,
      actual_cache_hit_rate: 10_000 / 10_100,
      estimated_prompt_tokens: tokens.countChatPromptTokens(
        anthropicRequest,
        'anthropic',
        'claude-sonnet-4-5-20250929',
      ),
      estimated_completion_tokens: tokens.countCompletionTokens(anthropicResponse, 'anthropic', 'claude-sonnet-4-5'),
      estimated_cost_usd: 0.0063,
      estimated_cached_tokens: 0,
      estimated_ttft_ms: 2_000,
      estimated_tpot_ms: null,
      total_latency_ms: 2_000,
      connection_reused: true,
      attempts: 1,
      usage_source: 'provider',
      price_version: PRICE_TABLE_VERSION,
      response_json: JSON.stringify(anthropicResponse),
    });
  });

  it('prices Anthropic 1-hour cache writes from the raw usage', async () => {
    const usageRaw = {
      input_tokens: 100,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 3_000,
      cache_creation: { ephemeral_5m_input_tokens: 1_000, ephemeral_1h_input_tokens: 2_000 },
    };
    const event = nonStreamEvent({
      usage: {
        prompt_tokens: 3_100,
        completion_tokens: 0,
        total_tokens: 3_100,
        cached_tokens: 0,
        cache_creation_tokens: 3_000,
        reasoning_tokens: null,
      },
      usage_raw: usageRaw,
    });
    const row = await toApiCallRow(event, deps());
    expect(row.estimated_cost_usd).toBeCloseTo((100 * 3 + 1_000 * 3.75 + 2_000 * 6) / 1e6, 12);
  });

  it('without the breakdown, takes the 1-hour share from the request when it settles it, else flags the row', async () => {
    const usage = {
      prompt_tokens: 3_100,
      completion_tokens: 0,
      total_tokens: 3_100,
      cached_tokens: 0,
      cache_creation_tokens: 3_000,
      reasoning_tokens: null,
    };
    const usageRaw = {
      input_tokens: 100,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 3_000,
    };
    const requestWith = (...ttls: Array<string | undefined>) => ({
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      system: ttls.map((ttl, i) => ({
        type: 'text',
        text: `part ${i}`,
        cache_control: ttl ? { type: 'ephemeral', ttl } : { type: 'ephemeral' },
      })),
      messages: [{ role: 'user', content: 'hi' }],
    });
    const rowFor = (request: unknown) => toApiCallRow(nonStreamEvent({ usage, usage_raw: usageRaw, request }), deps());
    const all1h = await rowFor(requestWith('1h'));
    expect(all1h).toMatchObject({ cache_write_ttl_unknown: false });
    expect(all1h.estimated_cost_usd).toBeCloseTo((100 * 3 + 3_000 * 6) / 1e6, 12);
    const all5m = await rowFor(requestWith(undefined, '5m'));
    expect(all5m).toMatchObject({ cache_write_ttl_unknown: false });
    expect(all5m.estimated_cost_usd).toBeCloseTo((100 * 3 + 3_000 * 3.75) / 1e6, 12);
    const mixed = await rowFor(requestWith('1h', undefined));
    expect(mixed).toMatchObject({ cache_write_ttl_unknown: true });
    expect(mixed.estimated_cost_usd).toBeCloseTo((100 * 3 + 3_000 * 3.75) / 1e6, 12); // the lower bound
  });

  it('prices DeepSeek cache hits reported as prompt_cache_hit_tokens', async () => {
    const event = streamEvent({
      provider: 'deepseek',
      model: 'deepseek-v3.2',
      usage: {
        prompt_tokens: 2_000,
        completion_tokens: 100,
        total_tokens: 2_100,
        cached_tokens: 0,
        cache_creation_tokens: 0,
        reasoning_tokens: null,
      },
      usage_raw: { prompt_tokens: 2_000, prompt_cache_hit_tokens: 1_500, prompt_cache_miss_tokens: 500 },
    });
    const row = await toApiCallRow(event, deps());
    expect(row.actual_cached_tokens).toBe(0);
    expect(row.estimated_cost_usd).toBeCloseTo((500 * 0.28 + 1_500 * 0.028 + 100 * 0.42) / 1e6, 12);
  });

  it('falls back to estimates without usage, and treats failed calls without output as unbilled', async () => {
    const event = streamEvent({ usage: null, usage_raw: null });
    const row = await toApiCallRow(event, deps());
    expect(row.usage_source).toBe('estimated');
    expect(row.actual_prompt_tokens).toBeNull();
    expect(row.actual_cache_hit_rate).toBeNull();
    expect(row.estimated_cost_usd).toBeCloseTo(
      (row.estimated_prompt_tokens * 2.5 + row.estimated_completion_tokens * 10) / 1e6,
      12,
    );
    // TPOT from the estimated completion tokens.
    expect(row.estimated_tpot_ms).toBeCloseTo(200 / (row.estimated_completion_tokens - 1), 3);

    const failed = streamEvent({
      status: 'error',
      http_status: 429,
      error_type: 'rate_limit_error',
      error_message: 'slow down',
      usage: null,
      response: null,
      timing: { ...streamEvent().timing, first_token_ms: null, total_ms: 45 },
    });
    const failedRow = await toApiCallRow(failed, deps());
    expect(failedRow).toMatchObject({
      status: 'error',
      error_type: 'rate_limit_error',
      estimated_cost_usd: 0,
      estimated_ttft_ms: null,
      estimated_tpot_ms: null,
      estimated_completion_tokens: 0,
      response_json: '',
    });
  });

  it('gives a null cost and warns once per model when the price is unknown', async () => {
    const warn = vi.fn();
    const d = deps({ warn });
    const event = streamEvent({ model: 'llama-3.1-70b', provider: 'vllm', provider_type: 'openai' });
    const row = await toApiCallRow(event, d);
    await toApiCallRow({ ...event, request_id: 'again' }, d);
    expect(row.estimated_cost_usd).toBeNull();
    expect(row.price_version).toBe('');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('llama-3.1-70b');
    // Overrides price it.
    const priced = await toApiCallRow(event, deps({ overrides: { 'llama-3.1-70b': { input: 0.5, output: 1 } } }));
    expect(priced).toMatchObject({ price_version: 'override' });
    expect(priced.estimated_cost_usd).toBeCloseTo((2_000 * 0.5 + 11 * 1) / 1e6, 12);
  });

  it('predicts provider cache reads across events (enricher keeps state)', async () => {
    const longRequest = {
      ...openaiRequest,
      messages: [{ role: 'system', content: 'Rules. '.repeat(1_500) }, ...openaiRequest.messages],
    };
    const enricher = createCallEnricher(deps());
    const first = await enricher.toRow(streamEvent({ request: longRequest }));
    const second = await enricher.toRow(
      streamEvent({ request: longRequest, timing: { ...streamEvent().timing, started_at_ms: START + 5_000 } }),
    );
    expect(first.estimated_cached_tokens).toBe(0);
    expect(second.estimated_cached_tokens).toBe(Math.floor(second.estimated_prompt_tokens / 128) * 128);
    expect(second.estimated_cache_hit_rate).toBeCloseTo(
      second.estimated_cached_tokens / second.estimated_prompt_tokens,
      10,
    );
  });
});

describe('formatTimestamp', () => {
  it('formats UTC with milliseconds', () => {
    expect(formatTimestamp('2026-07-24T09:30:15.123Z', 0)).toBe('2026-07-24 09:30:15.123');
    expect(formatTimestamp('2026-07-24T11:30:15+02:00', 0)).toBe('2026-07-24 09:30:15.000');
    expect(formatTimestamp('garbage', START)).toBe('2026-07-24 09:30:15.123');
  });
});

describe('response-cache hits', () => {
  it('cost nothing, report no provider usage, and carry the would-be cost as saved', async () => {
    const miss = await toApiCallRow(nonStreamEvent(), deps());
    const hit = await toApiCallRow(
      nonStreamEvent({
        request_id: 'req-hit',
        attempts: [],
        cache: { status: 'hit', key_hash: 'abcdef0123456789', saved_prompt_tokens: 12, saved_completion_tokens: 5 },
      }),
      deps(),
    );
    expect(hit.estimated_cost_usd).toBe(0);
    expect(hit.response_cache_saved_cost_usd).toBe(miss.estimated_cost_usd);
    expect(hit.response_cache_saved_tokens).toBe(17);
    expect(hit.response_cache_status).toBe('hit');
    expect(hit.actual_prompt_tokens).toBeNull();
    expect(hit.usage_source).toBe('response_cache');
    expect(hit.estimated_cached_tokens).toBe(0);
    expect(hit.response_cache_similarity).toBeNull();
    expect(miss.response_cache_similarity).toBeNull();
  });

  it('a semantic-hit is costed like a hit, with its similarity recorded', async () => {
    const miss = await toApiCallRow(nonStreamEvent(), deps());
    const hit = await toApiCallRow(
      nonStreamEvent({
        request_id: 'req-semantic-hit',
        attempts: [],
        cache: {
          status: 'semantic-hit',
          key_hash: 'abcdef0123456789',
          saved_prompt_tokens: 12,
          saved_completion_tokens: 5,
          similarity: 0.93,
        },
      }),
      deps(),
    );
    expect(hit.estimated_cost_usd).toBe(0);
    expect(miss.estimated_cost_usd).toBeGreaterThan(0);
    expect(hit.response_cache_saved_cost_usd).toBe(miss.estimated_cost_usd);
    expect(hit.response_cache_saved_tokens).toBe(17);
    expect(hit.response_cache_status).toBe('semantic-hit');
    expect(hit.response_cache_similarity).toBe(0.93);
    expect(hit.actual_prompt_tokens).toBeNull();
    expect(hit.usage_source).toBe('response_cache');
    expect(hit.estimated_cached_tokens).toBe(0);
  });
});

describe('router decisions', () => {
  it('are carried into the router_* columns, escalation included', async () => {
    const row = await toApiCallRow(
      nonStreamEvent({
        requested_model: 'auto',
        route: {
          requested: 'auto',
          tier: 'large',
          model: 'gpt-4o',
          classifier: 'cascade',
          probability: null,
          reason: 'cascade: small answer failed the check (cut_off); escalated to large',
          source: 'router',
          decision_ms: 0.012,
          escalated_from: 'small',
        },
      }),
      deps(),
    );
    expect(row).toMatchObject({
      router_requested: 'auto',
      router_tier: 'large',
      router_model: 'gpt-4o',
      router_classifier: 'cascade',
      router_probability: null,
      router_source: 'router',
      router_decision_ms: 0.012,
      router_escalated_from: 'small',
    });
    expect(row.router_reason).toContain('cut_off');
    const features = await toApiCallRow(
      nonStreamEvent({
        route: {
          requested: 'auto',
          tier: 'small',
          model: 'mini',
          classifier: 'features',
          probability: 0.21,
          reason: 'features p=0.21 weak',
          source: 'router',
          decision_ms: 0.05,
        },
      }),
      deps(),
    );
    expect(features).toMatchObject({ router_probability: 0.21, router_escalated_from: '' });
  });
});

describe('other wire formats', () => {
  const responsesRequest = {
    model: 'gpt-5-mini',
    instructions: 'You are terse.',
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'Name three prime numbers.' }] }],
    prompt_cache_key: 'conv-1',
    stream: true,
  };
  const responsesAnswer = {
    id: 'resp_1',
    object: 'response',
    status: 'completed',
    model: 'gpt-5-mini',
    output: [
      { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Small primes.' }] },
      { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: '2, 3 and 5.' }] },
    ],
    usage: {
      input_tokens: 1_500,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 400,
      output_tokens_details: { reasoning_tokens: 380 },
      total_tokens: 1_900,
    },
  };

  it('a Responses call: tokens estimated from its input and output items, reasoning billed as output', async () => {
    const event = streamEvent({
      endpoint: 'responses',
      caller_format: 'openai-responses',
      upstream_format: 'anthropic-messages',
      model: 'gpt-5-mini',
      request: responsesRequest,
      response: responsesAnswer,
      usage: {
        prompt_tokens: 1_500,
        completion_tokens: 400,
        total_tokens: 1_900,
        cached_tokens: 0,
        cache_creation_tokens: 0,
        reasoning_tokens: 380,
      },
      usage_raw: responsesAnswer.usage,
    });
    const row = await toApiCallRow(event, deps());
    expect(row).toMatchObject({
      endpoint: 'responses',
      caller_format: 'openai-responses',
      upstream_format: 'anthropic-messages',
      actual_prompt_tokens: 1_500,
      actual_completion_tokens: 400,
      actual_reasoning_tokens: 380,
      usage_source: 'provider',
    });
    // The instructions and the input item count; the reasoning summary and the message are the output.
    const instructionsOnly = tokens.renderPrompt(
      { ...responsesRequest, input: [] },
      'openai-responses',
      'gpt-5-mini',
    ).tokens;
    expect(row.estimated_prompt_tokens).toBeGreaterThan(instructionsOnly);
    expect(row.estimated_completion_tokens).toBe(
      tokens.countCompletionTokens(responsesAnswer, 'openai-responses', 'gpt-5-mini'),
    );
    expect(row.estimated_completion_tokens).toBeGreaterThan(
      tokens.countCompletionTokens({ output: [responsesAnswer.output[1]] }, 'openai-responses', 'gpt-5-mini'),
    );
    // gpt-5-mini: 0.25 in, 2.00 out per 1M: the 380 reasoning tokens are paid as output.
    expect(row.estimated_cost_usd).toBeCloseTo((1_500 * 0.25 + 400 * 2.0) / 1e6, 9);
    expect(row.estimated_ttft_ms).toBe(event.timing.first_token_ms);
    expect(row.estimated_tpot_ms).not.toBeNull();
  });

  it('token counting costs nothing and predicts no cache reads', async () => {
    const event = streamEvent({
      endpoint: 'messages.count_tokens',
      caller_format: 'anthropic-messages',
      upstream_format: 'anthropic-messages',
      is_streaming: false,
      model: 'claude-sonnet-4-5',
      provider: 'anthropic',
      provider_type: 'anthropic',
      request: { model: 'claude', messages: [{ role: 'user', content: 'count me' }] },
      response: { input_tokens: 9 },
      usage: null,
      usage_raw: null,
    });
    const row = await toApiCallRow(event, deps());
    expect(row.estimated_cost_usd).toBe(0);
    expect(row.estimated_cached_tokens).toBe(0);
    expect(row.estimated_prompt_tokens).toBeGreaterThan(0);
  });

  it('a version-1 event (caller_format openai / anthropic) is still read', async () => {
    const legacy = { ...streamEvent(), version: 1, caller_format: 'anthropic', upstream_format: undefined } as never;
    const row = await toApiCallRow(legacy, deps());
    expect(row.caller_format).toBe('anthropic');
    expect(row.estimated_prompt_tokens).toBeGreaterThan(0);
  });
});

describe('bodies cut to bound the record', () => {
  it('flags the cut body and keeps its original size; the other body is as it was', async () => {
    const event = streamEvent({ truncated: { request: 2_500_000 } });
    const row = await toApiCallRow(event, deps());
    expect(row).toMatchObject({
      request_truncated: true,
      request_original_chars: 2_500_000,
      response_truncated: false,
      response_original_chars: 0,
    });
    const whole = await toApiCallRow(streamEvent(), deps());
    expect(whole).toMatchObject({ request_truncated: false, response_truncated: false });
  });

  it('scales the token estimates of a cut body by how much of it was kept', async () => {
    const whole = await toApiCallRow(streamEvent(), deps());
    const keptChars = JSON.stringify(streamEvent().request).length;
    const cut = await toApiCallRow(streamEvent({ truncated: { request: keptChars * 10 } }), deps());
    expect(cut.estimated_prompt_tokens).toBe(Math.round(whole.estimated_prompt_tokens * 10));
    expect(cut.estimated_completion_tokens).toBe(whole.estimated_completion_tokens);
  });
});

describe('what changes the bill beyond the token counts', () => {
  it('the service tier the provider reports: OpenAI in the response, Anthropic in its usage', async () => {
    const list = (await toApiCallRow(streamEvent(), deps())).estimated_cost_usd!;
    const priority = await toApiCallRow(
      streamEvent({ response: { ...openaiResponse, service_tier: 'priority' } }),
      deps(),
    );
    expect(priority.estimated_cost_usd).toBeCloseTo(list * 2, 10);
    const flex = await toApiCallRow(streamEvent({ response: { ...openaiResponse, service_tier: 'flex' } }), deps());
    expect(flex.estimated_cost_usd).toBeCloseTo(list / 2, 10);
    const anthropic = (await toApiCallRow(nonStreamEvent(), deps())).estimated_cost_usd!;
    const batch = await toApiCallRow(
      nonStreamEvent({ usage_raw: { ...(nonStreamEvent().usage_raw as object), service_tier: 'batch' } }),
      deps(),
    );
    expect(batch.estimated_cost_usd).toBeCloseTo(anthropic / 2, 10);
  });

  it("Gemini's thinking tokens missing from completion_tokens are billed from total − prompt", async () => {
    const gemini = streamEvent({
      provider: 'gemini',
      provider_type: 'openai',
      model: 'gemini-2.5-flash',
      usage: {
        prompt_tokens: 1_469,
        completion_tokens: 744,
        total_tokens: 2_496,
        cached_tokens: 0,
        cache_creation_tokens: 0,
        reasoning_tokens: 0,
      },
    });
    const row = await toApiCallRow(gemini, deps());
    expect(row.actual_completion_tokens).toBe(744); // as reported
    expect(row.estimated_cost_usd).toBeCloseTo((1_469 * 0.3 + 1_027 * 2.5) / 1e6, 10);
  });

  it("DeepSeek V4's peak hours by the call's start time", async () => {
    const at = (iso: string) => {
      const base = streamEvent({ provider: 'deepseek', provider_type: 'openai', model: 'deepseek-v4-flash' });
      return toApiCallRow({ ...base, timing: { ...base.timing, started_at_ms: Date.parse(iso) } }, deps());
    };
    const offPeak = (await at('2026-12-01T12:00:00Z')).estimated_cost_usd!;
    const peak = (await at('2026-12-01T02:00:00Z')).estimated_cost_usd!;
    expect(offPeak).toBeGreaterThan(0);
    expect(peak).toBeCloseTo(offPeak * 2, 10);
  });

  it('a model id the table does not name is unpriced, not priced as its neighbour', async () => {
    const row = await toApiCallRow(streamEvent({ model: 'gpt-5.6-terra' }), deps());
    expect(row.estimated_cost_usd).toBeNull();
  });
});
