import type { Json, WireFormat } from '@lessllm/formats';
import type { RoutingInput } from '@lessllm/shared';

/** Bounds on what is sent to the router (in-process too, so both modes decide on the same input). */
const MAX_MESSAGES = 100;
const HEAD_CHARS = 3000;
const TAIL_CHARS = 1000;

function clip(text: string): string {
  if (text.length <= HEAD_CHARS + TAIL_CHARS) return text;
  return `${text.slice(0, HEAD_CHARS)}\n…\n${text.slice(-TAIL_CHARS)}`;
}

/**
 * The text-only view of a chat request the classifiers score. Long texts keep their head and tail, long
 * conversations their first message (usually the system prompt) and the latest turns: a NATS request stays
 * small whatever the prompt.
 */
export function routingInputOf(format: WireFormat, body: Json): RoutingInput {
  const input = format.analysis.routingInput(body);
  let messages = input.messages;
  if (messages.length > MAX_MESSAGES) messages = [messages[0], ...messages.slice(-(MAX_MESSAGES - 1))];
  return { ...input, messages: messages.map((m) => ({ role: m.role, text: clip(m.text) })) };
}
