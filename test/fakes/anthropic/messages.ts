import { behaviourOf } from '../shared/behaviour';
import type { FakeRequest } from '../shared/server';
import { isRecord } from '../shared/text';
import { applyFailureBehaviour } from './failures';
import { fastMessage, fastStream } from './fast';
import type { AnthropicFakeState } from './options';
import { totalInputTokens } from './prompt';
import { buildMessage, messageId } from './reply';
import { anthropicHeaders, MESSAGES, sendError, sendJson, sendJsonText } from './respond';
import { streamMessage } from './stream';
import { validateMessagesRequest } from './validate';

/** The `anthropic-beta` names of a request (comma-separated, possibly repeated headers). */
function betasOf(fake: FakeRequest): string[] {
  return (fake.header('anthropic-beta') ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

function answerFast(fake: FakeRequest, state: AnthropicFakeState, stream: boolean): void {
  const headers = anthropicHeaders(fake, state);
  if (!stream) return sendJsonText(fake, 200, headers, fastMessage(messageId()));
  headers['content-type'] = 'text/event-stream; charset=utf-8';
  headers['cache-control'] = 'no-cache';
  fake.res.writeHead(200, headers);
  fake.res.end(fastStream(messageId()));
}

/** `POST /v1/messages`. */
export async function handleMessages(fake: FakeRequest, state: AnthropicFakeState): Promise<void> {
  const raw = fake.body;
  if (isRecord(raw) && typeof raw.model === 'string' && behaviourOf(raw.model) === 'fast') {
    return answerFast(fake, state, raw.stream === true);
  }
  if (fake.bodyInvalid) return sendError(fake, state, 'invalid_request_error', MESSAGES.invalidJson);
  const validation = validateMessagesRequest(raw, true, betasOf(fake));
  if (!validation.ok) return sendError(fake, state, 'invalid_request_error', validation.message);
  const request = validation.request;

  const behaviour = behaviourOf(request.model);
  if (await applyFailureBehaviour(fake, state, behaviour)) return;

  const message = buildMessage(request, behaviour, state);
  if (request.stream !== true) return sendJson(fake, state, 200, message);
  await streamMessage(fake, anthropicHeaders(fake, state), message, behaviour, state);
}

/** `POST /v1/messages/count_tokens`. */
export function handleCountTokens(fake: FakeRequest, state: AnthropicFakeState): void {
  if (fake.bodyInvalid) return sendError(fake, state, 'invalid_request_error', MESSAGES.invalidJson);
  const validation = validateMessagesRequest(fake.body, false, betasOf(fake));
  if (!validation.ok) return sendError(fake, state, 'invalid_request_error', validation.message);
  sendJson(fake, state, 200, { input_tokens: totalInputTokens(validation.request) });
}
