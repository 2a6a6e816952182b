import type { AnthropicMessagesRequest } from '@lessllm/shared';
import { isRecord } from '../shared/text';

export type Validation = { ok: true; request: AnthropicMessagesRequest } | { ok: false; message: string };

const fail = (message: string): Validation => ({ ok: false, message });

/**
 * Roughly the real API's request validation (messages as the real API words them, field paths first).
 * `requireMaxTokens` is false for `/v1/messages/count_tokens`.
 */
export function validateMessagesRequest(body: unknown, requireMaxTokens = true): Validation {
  if (!isRecord(body)) return fail('Input should be a valid dictionary or object to extract fields from');
  if (typeof body.model !== 'string' || body.model === '') return fail('model: Field required');
  if (requireMaxTokens) {
    if (body.max_tokens === undefined) return fail('max_tokens: Field required');
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens)) {
      return fail('max_tokens: Input should be a valid integer');
    }
    if (body.max_tokens < 1) return fail('max_tokens: Input should be greater than or equal to 1');
  }
  const messages = body.messages;
  if (messages === undefined) return fail('messages: Field required');
  if (!Array.isArray(messages)) return fail('messages: Input should be a valid list');
  if (messages.length === 0) return fail('messages: at least one message is required');
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isRecord(m)) return fail(`messages.${i}: Input should be a valid dictionary`);
    if (m.role !== 'user' && m.role !== 'assistant')
      return fail(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (typeof m.content !== 'string' && !Array.isArray(m.content))
      return fail(`messages.${i}.content: Field required`);
    if (i === 0 && m.role !== 'user') return fail('messages: first message must use the "user" role');
    const previous: unknown = i > 0 ? messages[i - 1] : undefined;
    if (isRecord(previous) && previous.role === m.role) {
      return fail(
        `messages: roles must alternate between "user" and "assistant", but found multiple "${m.role}" roles in a row`,
      );
    }
  }
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) {
    return fail('system: Input should be a valid string or list of text blocks');
  }
  return { ok: true, request: body as AnthropicMessagesRequest };
}
