import type { OpenAIErrorBody } from '@lessllm/shared';
import { goDuration } from '../shared/rate-window';
import type { FakeRequest } from '../shared/server';
import type { OpenAIFakeState } from './options';

export type Headers = Record<string, string | number>;

/** Headers every OpenAI response carries: request id, processing time, rate limits. */
export function openaiHeaders(fake: FakeRequest, state: OpenAIFakeState, exhausted = false): Headers {
  const { remainingRequests, remainingTokens, resetMs } = state.window.take(fake.rawBody.length >> 2);
  return {
    'x-request-id': fake.requestId,
    'openai-processing-ms': fake.elapsedMs(),
    'openai-version': '2020-10-01',
    'openai-organization': 'fake-org',
    'x-ratelimit-limit-requests': state.window.requestLimit,
    'x-ratelimit-limit-tokens': state.window.tokenLimit,
    'x-ratelimit-remaining-requests': exhausted ? 0 : remainingRequests,
    'x-ratelimit-remaining-tokens': remainingTokens,
    'x-ratelimit-reset-requests': goDuration(exhausted ? state.retryAfterSeconds * 1000 : resetMs),
    'x-ratelimit-reset-tokens': goDuration(resetMs),
  };
}

export function sendJsonText(fake: FakeRequest, status: number, headers: Headers, body: string): void {
  if (fake.gone) return;
  headers['content-type'] = 'application/json';
  headers['content-length'] = Buffer.byteLength(body);
  fake.res.writeHead(status, headers);
  fake.res.end(body);
}

export function sendJson(fake: FakeRequest, state: OpenAIFakeState, status: number, body: unknown): void {
  sendJsonText(fake, status, openaiHeaders(fake, state), JSON.stringify(body));
}

export function openaiError(
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

export function sendError(
  fake: FakeRequest,
  state: OpenAIFakeState,
  status: number,
  body: OpenAIErrorBody,
  extra: Headers = {},
): void {
  const headers = openaiHeaders(fake, state, status === 429);
  sendJsonText(fake, status, Object.assign(headers, extra), JSON.stringify(body));
}

export const ERRORS = {
  overloaded: openaiError('The engine is currently overloaded, please try again later', 'server_error'),
  quota: openaiError(
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
    'insufficient_quota',
    null,
    'insufficient_quota',
  ),
  rateLimited: (model: string): OpenAIErrorBody =>
    openaiError(
      `Rate limit reached for ${model} in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
      'requests',
      null,
      'rate_limit_exceeded',
    ),
  badRequest: openaiError(
    "Invalid 'messages': the fake model 'bad-request' rejects every request.",
    'invalid_request_error',
    'messages',
    'invalid_value',
  ),
  invalidJson: openaiError(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    'invalid_request_error',
  ),
  missingModel: openaiError('you must provide a model parameter', 'invalid_request_error'),
  missing: (param: string): OpenAIErrorBody =>
    openaiError(
      `Missing required parameter: '${param}'.`,
      'invalid_request_error',
      param,
      'missing_required_parameter',
    ),
  emptyMessages: openaiError(
    "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
    'invalid_request_error',
    'messages',
    'empty_array',
  ),
  noKey: openaiError(
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    'invalid_request_error',
  ),
  badKey: (masked: string): OpenAIErrorBody =>
    openaiError(`Incorrect API key provided: ${masked}.`, 'invalid_request_error', null, 'invalid_api_key'),
  invalidUrl: (method: string, path: string): OpenAIErrorBody =>
    openaiError(`Invalid URL (${method} ${path})`, 'invalid_request_error'),
  modelNotFound: (model: string): OpenAIErrorBody =>
    openaiError(`The model '${model}' does not exist`, 'invalid_request_error', 'model', 'model_not_found'),
} as const;
