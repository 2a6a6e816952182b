import { type Behaviour, sleep } from '../shared/behaviour';
import type { FakeRequest } from '../shared/server';
import type { AnthropicFakeState } from './options';
import { type Headers, MESSAGES, sendError } from './respond';

/** Failure/delay behaviours applied before a reply is computed; resolves to true when the request is dealt with. */
export async function applyFailureBehaviour(
  fake: FakeRequest,
  state: AnthropicFakeState,
  behaviour: Behaviour,
): Promise<boolean> {
  switch (behaviour) {
    case 'hang':
      return true;
    case 'rate-limited': {
      if (!state.rateLimited.shouldFail(fake.header('x-test-id'))) return false;
      const extra: Headers = { 'retry-after': state.retryAfterSeconds };
      if (state.retryAfterMs !== undefined) extra['retry-after-ms'] = state.retryAfterMs;
      sendError(fake, state, 'rate_limit_error', MESSAGES.rateLimited, extra);
      return true;
    }
    case 'overloaded':
      sendError(fake, state, 'overloaded_error', MESSAGES.overloaded);
      return true;
    case 'quota':
      sendError(fake, state, 'invalid_request_error', MESSAGES.quota);
      return true;
    case 'bad-request':
      sendError(fake, state, 'invalid_request_error', MESSAGES.badRequest);
      return true;
    case 'slow-first-byte':
      return !(await sleep(state.slowMs, fake.signal));
    default:
      return false;
  }
}
