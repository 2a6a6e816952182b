import { handleCountTokens, handleMessages } from './anthropic/messages';
import {
  type AnthropicFakeState,
  createAnthropicState,
  type FakeAnthropicOptions,
  resetAnthropicState,
} from './anthropic/options';
import { MESSAGES, sendError, sendJson } from './anthropic/respond';
import { type FakeRequest, type FakeServer, startFakeServer } from './shared/server';

export type { FakeAnthropicOptions } from './anthropic/options';

export const FAKE_ANTHROPIC_MODELS = [
  { type: 'model', id: 'claude-sonnet-4-5', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
  { type: 'model', id: 'claude-haiku-4-5', display_name: 'Claude Haiku 4.5', created_at: '2025-10-15T00:00:00Z' },
] as const;

/**
 * Auth and version checks shared by every route; answers the error itself and returns false on failure.
 * The key is read from `x-api-key`, or from `Authorization: Bearer` (which @anthropic-ai/sdk 1.x sends for `apiKey`).
 */
function checkHeaders(fake: FakeRequest, state: AnthropicFakeState): boolean {
  const auth = fake.header('authorization');
  const key = fake.header('x-api-key') ?? (auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined);
  if (key === undefined) sendError(fake, state, 'authentication_error', MESSAGES.noKey);
  else if (key !== state.apiKey) sendError(fake, state, 'authentication_error', MESSAGES.badKey);
  else if (!fake.header('anthropic-version')) sendError(fake, state, 'invalid_request_error', MESSAGES.noVersion);
  else return true;
  return false;
}

async function dispatch(fake: FakeRequest, state: AnthropicFakeState): Promise<void> {
  const { method, path } = fake;
  const known =
    (method === 'POST' && (path === '/v1/messages' || path === '/v1/messages/count_tokens')) ||
    (method === 'GET' && path === '/v1/models');
  if (!known) return sendError(fake, state, 'not_found_error', 'Not Found');
  if (!checkHeaders(fake, state)) return;
  if (path === '/v1/messages') return handleMessages(fake, state);
  if (path === '/v1/models') {
    const data = FAKE_ANTHROPIC_MODELS;
    return sendJson(fake, state, 200, {
      data,
      has_more: false,
      first_id: data[0].id,
      last_id: data[data.length - 1].id,
    });
  }
  handleCountTokens(fake, state);
}

/** Starts a fake Anthropic Messages API server. Behaviour is selected by the request's model name. */
export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeServer> {
  const state = createAnthropicState(opts);
  return startFakeServer(
    (fake) => dispatch(fake, state),
    opts,
    () => resetAnthropicState(state),
  );
}
