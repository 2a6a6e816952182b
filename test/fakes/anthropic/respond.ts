import type { AnthropicErrorBody } from '@lessllm/shared';
import { rfc3339 } from '../shared/rate-window';
import type { FakeRequest } from '../shared/server';
import type { AnthropicFakeState } from './options';

export type Headers = Record<string, string | number>;

const thousands = (n: number): number => Math.round(n / 1000) * 1000;

/** Headers every Anthropic response carries: `request-id` and `anthropic-ratelimit-*`. */
export function anthropicHeaders(fake: FakeRequest, state: AnthropicFakeState, exhausted = false): Headers {
  const now = Date.now();
  const { remainingRequests, remainingTokens, resetMs } = state.window.take(fake.rawBody.length >> 2, now);
  const reset = rfc3339(now + (exhausted ? state.retryAfterSeconds * 1000 : resetMs));
  const tokens = thousands(remainingTokens);
  return {
    'request-id': fake.requestId,
    'anthropic-organization-id': 'fake-org',
    'anthropic-ratelimit-requests-limit': state.window.requestLimit,
    'anthropic-ratelimit-requests-remaining': exhausted ? 0 : remainingRequests,
    'anthropic-ratelimit-requests-reset': reset,
    'anthropic-ratelimit-tokens-limit': state.window.tokenLimit,
    'anthropic-ratelimit-tokens-remaining': tokens,
    'anthropic-ratelimit-tokens-reset': reset,
    'anthropic-ratelimit-input-tokens-limit': state.window.tokenLimit,
    'anthropic-ratelimit-input-tokens-remaining': tokens,
    'anthropic-ratelimit-input-tokens-reset': reset,
  };
}

export function sendJsonText(fake: FakeRequest, status: number, headers: Headers, body: string): void {
  if (fake.gone) return;
  headers['content-type'] = 'application/json';
  headers['content-length'] = Buffer.byteLength(body);
  fake.res.writeHead(status, headers);
  fake.res.end(body);
}

export function sendJson(fake: FakeRequest, state: AnthropicFakeState, status: number, body: unknown): void {
  sendJsonText(fake, status, anthropicHeaders(fake, state), JSON.stringify(body));
}

export function errorBody(type: string, message: string, requestId?: string): AnthropicErrorBody {
  return requestId
    ? { type: 'error', error: { type, message }, request_id: requestId }
    : { type: 'error', error: { type, message } };
}

export const STATUS_OF: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

export function sendError(
  fake: FakeRequest,
  state: AnthropicFakeState,
  type: string,
  message: string,
  extra: Headers = {},
): void {
  const status = STATUS_OF[type] ?? 400;
  const headers = Object.assign(anthropicHeaders(fake, state, status === 429), extra);
  sendJsonText(fake, status, headers, JSON.stringify(errorBody(type, message, fake.requestId)));
}

export const MESSAGES = {
  rateLimited:
    'Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.',
  overloaded: 'Overloaded',
  quota:
    'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
  badRequest: "messages.0.content: the fake model 'bad-request' rejects every request",
  invalidJson: 'There was an error parsing the body of your request: invalid JSON',
  noKey: 'x-api-key header is required',
  badKey: 'invalid x-api-key',
  noVersion: 'anthropic-version: header is required',
} as const;
