import type { AnthropicMessage, ApiFormat, OpenAIChatCompletion } from '@lessllm/shared';

const OPENAI_OK = new Set(['stop', 'tool_calls', 'function_call']);
const ANTHROPIC_OK = new Set(['end_turn', 'stop_sequence', 'tool_use']);

/**
 * Only complete, ordinary answers are cached: never ones cut by a limit (length / max_tokens), filtered or
 * refused (content_filter / refusal), paused, or missing their finish reason (a partial stream).
 */
export function isCacheableResponse(format: ApiFormat, response: unknown): boolean {
  if (!response || typeof response !== 'object') return false;
  if (format === 'openai') {
    const choices = (response as OpenAIChatCompletion).choices;
    if (!Array.isArray(choices) || choices.length === 0) return false;
    return choices.every((c) => c.finish_reason !== null && OPENAI_OK.has(c.finish_reason) && !c.message?.refusal);
  }
  const message = response as AnthropicMessage;
  return Array.isArray(message.content) && message.stop_reason !== null && ANTHROPIC_OK.has(message.stop_reason);
}
