import type { AnthropicMessagesRequest } from '@lessllm/shared';
import { isRecord } from '../shared/text';

export type Validation = { ok: true; request: AnthropicMessagesRequest } | { ok: false; message: string };

const fail = (message: string): Validation => ({ ok: false, message });

/** Models that take `role: "system"` turns inside `messages` without a beta (anthropic-2026.md §5). */
const MID_CONVERSATION_SYSTEM_MODEL = /claude-opus-4-8|claude-(?:opus|sonnet|haiku)-5/;

/** A thinking signature this fake issued (it signs with `sig_`; anything else is another vendor's or forged). */
export const SIGNATURE = /^sig_[0-9a-f]{16}$/;

/**
 * Roughly the real API's request validation (messages as the real API words them, field paths first).
 * `requireMaxTokens` is false for `/v1/messages/count_tokens`. `betas` are the `anthropic-beta` names the request
 * came with: body fields that need a beta are refused without it, as the real API does (anthropic-2026.md §2.1).
 */
export function validateMessagesRequest(
  body: unknown,
  requireMaxTokens = true,
  betas: readonly string[] = [],
): Validation {
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
  const systemTurns =
    MID_CONVERSATION_SYSTEM_MODEL.test(body.model) || betas.some((b) => b.startsWith('mid-conversation-system-'));
  let previousRole: unknown;
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isRecord(m)) return fail(`messages.${i}: Input should be a valid dictionary`);
    if (m.role === 'system' && i > 0) {
      if (!systemTurns) return fail(`messages.${i}.role: role 'system' is not supported on this model`);
      continue;
    }
    if (m.role !== 'user' && m.role !== 'assistant')
      return fail(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (typeof m.content !== 'string' && !Array.isArray(m.content))
      return fail(`messages.${i}.content: Field required`);
    if (i === 0 && m.role !== 'user') return fail('messages: first message must use the "user" role');
    if (previousRole === m.role) {
      return fail(
        `messages: roles must alternate between "user" and "assistant", but found multiple "${m.role}" roles in a row`,
      );
    }
    previousRole = m.role;
    const thinking = Array.isArray(m.content)
      ? m.content.findIndex(
          (b) =>
            isRecord(b) && b.type === 'thinking' && !(typeof b.signature === 'string' && SIGNATURE.test(b.signature)),
        )
      : -1;
    if (thinking !== -1)
      return fail(`messages.${i}.content.${thinking}.thinking.signature: Invalid signature in thinking block`);
  }
  if (body.context_management !== undefined && !betas.some((b) => b.startsWith('context-management-'))) {
    return fail('context_management: Extra inputs are not permitted');
  }
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) {
    return fail('system: Input should be a valid string or list of text blocks');
  }
  return { ok: true, request: body as AnthropicMessagesRequest };
}
