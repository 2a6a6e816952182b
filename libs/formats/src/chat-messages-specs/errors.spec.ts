import { GatewayError } from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import {
  anthropicErrorToOpenAI,
  anthropicStreamErrorToOpenAI,
  openaiErrorToAnthropic,
  toAnthropicStreamError,
} from '../testing/legacy-api';

const openaiRateLimit = {
  error: {
    message: 'Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 29000.',
    type: 'tokens',
    param: null,
    code: 'rate_limit_exceeded',
  },
};

const anthropicOverloaded = {
  type: 'error',
  error: { type: 'overloaded_error', message: 'Overloaded' },
  request_id: 'req_018EeWyXxfu5pfWkrYcMdjWG',
};

describe('openaiErrorToAnthropic', () => {
  it('keeps the message and maps the type from the status', () => {
    expect(openaiErrorToAnthropic(openaiRateLimit, 429)).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: openaiRateLimit.error.message },
    });
  });

  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [402, 'billing_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [409, 'conflict_error'],
    [413, 'request_too_large'],
    [422, 'invalid_request_error'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [502, 'api_error'],
    [503, 'overloaded_error'],
    [504, 'timeout_error'],
    [529, 'overloaded_error'],
  ])('status %i -> %s', (status, type) => {
    expect(
      openaiErrorToAnthropic({ error: { message: 'x', type: 'whatever', param: null, code: null } }, status).error.type,
    ).toBe(type);
  });

  it('parses JSON sent as a string or as bytes', () => {
    const text = JSON.stringify({
      error: {
        message: 'Incorrect API key provided',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    expect(openaiErrorToAnthropic(text, 401).error).toEqual({
      type: 'authentication_error',
      message: 'Incorrect API key provided',
    });
    expect(openaiErrorToAnthropic(new TextEncoder().encode(text), 401).error.message).toBe(
      'Incorrect API key provided',
    );
  });

  it('uses non-JSON text as the message, truncated to 500 characters', () => {
    const html = `<html><body>${'Bad gateway '.repeat(100)}</body></html>`;
    const out = openaiErrorToAnthropic(html, 502);
    expect(out.error.type).toBe('api_error');
    expect(out.error.message).toBe(html.slice(0, 500));
    expect(out.error.message).toHaveLength(500);
  });

  it.each([null, undefined, {}, 42, '', '   ', []])('falls back to a message naming the status for body %j', (body) => {
    expect(openaiErrorToAnthropic(body, 500).error.message).toContain('500');
  });

  it('reads the message of providers that send `{error: "text"}` or wrap the error in an array', () => {
    expect(openaiErrorToAnthropic({ error: 'model is loading' }, 503).error.message).toBe('model is loading');
    expect(
      openaiErrorToAnthropic(
        [{ error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' } }],
        429,
      ).error,
    ).toEqual({
      type: 'rate_limit_error',
      message: 'Resource exhausted',
    });
  });
});

describe('anthropicErrorToOpenAI', () => {
  it('maps 529 overloaded to server_error / overloaded', () => {
    expect(anthropicErrorToOpenAI(anthropicOverloaded, 529)).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' },
    });
  });

  it.each([
    [400, 'invalid_request_error', null],
    [401, 'authentication_error', null],
    [403, 'permission_error', null],
    [404, 'invalid_request_error', 'not_found'],
    [413, 'invalid_request_error', 'request_too_large'],
    [429, 'rate_limit_error', 'rate_limit_exceeded'],
    [500, 'server_error', null],
    [504, 'timeout_error', 'timeout'],
  ])('status %i -> type %s, code %s', (status, type, code) => {
    const out = anthropicErrorToOpenAI({ type: 'error', error: { type: 'x', message: 'boom' } }, status);
    expect(out.error).toEqual({ message: 'boom', type, param: null, code });
  });

  it('falls back to the body type when the status is not an error status', () => {
    expect(anthropicErrorToOpenAI(anthropicOverloaded, 200).error).toMatchObject({
      type: 'server_error',
      code: 'overloaded',
    });
  });

  it('tolerates garbage bodies', () => {
    expect(anthropicErrorToOpenAI('upstream connect error or disconnect/reset before headers', 503).error).toEqual({
      message: 'upstream connect error or disconnect/reset before headers',
      type: 'server_error',
      param: null,
      code: 'overloaded',
    });
    expect(anthropicErrorToOpenAI({ type: 'error', error: { type: 'toString' } }, 200).error.type).toBe('server_error');
    expect(anthropicErrorToOpenAI(undefined, 500).error.message).toContain('500');
  });
});

describe('stream error payloads', () => {
  it('maps an Anthropic error event to the OpenAI error chunk body', () => {
    expect(anthropicStreamErrorToOpenAI({ type: 'overloaded_error', message: 'Overloaded' })).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' },
    });
    expect(anthropicStreamErrorToOpenAI({ type: 'brand_new_error', message: 'm' }).error.type).toBe('server_error');
  });

  it('maps what ended an OpenAI stream to an Anthropic error event payload', () => {
    expect(toAnthropicStreamError(openaiRateLimit)).toEqual({
      type: 'rate_limit_error',
      message: openaiRateLimit.error.message,
    });
    expect(
      toAnthropicStreamError({
        error: { message: 'engine overloaded', type: 'server_error', param: null, code: 'overloaded' },
      }),
    ).toEqual({
      type: 'overloaded_error',
      message: 'engine overloaded',
    });
    expect(
      toAnthropicStreamError({ error: { message: 'bad', type: 'server_error', param: null, code: null } }).type,
    ).toBe('api_error');
    expect(toAnthropicStreamError(new GatewayError('upstream_timeout', 'upstream timed out'))).toEqual({
      type: 'timeout_error',
      message: 'upstream timed out',
    });
    expect(toAnthropicStreamError(new Error('socket hang up'))).toEqual({
      type: 'api_error',
      message: 'socket hang up',
    });
    expect(toAnthropicStreamError('not json at all')).toEqual({ type: 'api_error', message: 'not json at all' });
  });
});
