import { type Behaviour, sleep } from '../shared/behaviour';
import type { FakeRequest } from '../shared/server';
import type { OpenAIFakeState } from './options';
import { ERRORS, type Headers, sendError } from './respond';

/**
 * Applies the behaviours that fail or delay a request before any reply is computed (shared by chat and embeddings).
 * Resolves to true when the request has been dealt with (answered, left hanging, or abandoned by the client).
 */
export async function applyFailureBehaviour(
  fake: FakeRequest,
  state: OpenAIFakeState,
  behaviour: Behaviour,
  model: string,
): Promise<boolean> {
  switch (behaviour) {
    case 'hang':
      // Never answer; the server counts the hang-up when the client gives up, and stop() destroys the socket.
      return true;
    case 'rate-limited': {
      if (!state.rateLimited.shouldFail(fake.header('x-test-id'))) return false;
      const extra: Headers = { 'retry-after': state.retryAfterSeconds };
      if (state.retryAfterMs !== undefined) extra['retry-after-ms'] = state.retryAfterMs;
      sendError(fake, state, 429, ERRORS.rateLimited(model), extra);
      return true;
    }
    case 'overloaded':
      sendError(fake, state, 503, ERRORS.overloaded);
      return true;
    case 'quota':
      sendError(fake, state, 429, ERRORS.quota);
      return true;
    case 'bad-request':
      sendError(fake, state, 400, ERRORS.badRequest);
      return true;
    case 'slow-first-byte':
      return !(await sleep(state.slowMs, fake.signal));
    default:
      return false;
  }
}
