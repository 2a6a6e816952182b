import { isRecord } from '../common/guards';

type Json = Record<string, unknown>;

/**
 * Thinking blocks without a signature in an Anthropic request's history: the gateway shows reasoning from other
 * vendors that way (signature ""), and Anthropic rejects a replayed thinking block that is not its own
 * (anthropic-2026.md §3.2). They are the one thing removed from an otherwise untouched same-format body; a turn
 * left empty by it keeps an empty text block out (Anthropic rejects empty turns), so the whole turn goes.
 */
export function withoutUnsignedThinking(body: Json): Json {
  if (!Array.isArray(body.messages) || !body.messages.some(hasUnsigned)) return body;
  const messages = (body.messages as unknown[]).flatMap((m) => {
    if (!hasUnsigned(m)) return [m];
    const message = m as Json;
    const content = (message.content as unknown[]).filter((b) => !unsigned(b));
    return content.length > 0 ? [{ ...message, content }] : [];
  });
  return { ...body, messages };
}

function unsigned(block: unknown): boolean {
  return (
    isRecord(block) && block.type === 'thinking' && (typeof block.signature !== 'string' || block.signature === '')
  );
}

function hasUnsigned(message: unknown): boolean {
  return (
    isRecord(message) &&
    message.role === 'assistant' &&
    Array.isArray(message.content) &&
    message.content.some(unsigned)
  );
}
