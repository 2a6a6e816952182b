import type { AnthropicStopReason, OpenAIFinishReason } from '@lessllm/shared';

/** Anthropic `stop_reason` -> OpenAI `finish_reason` (providers.md §3.2). */
export function anthropicStopReasonToOpenAI(reason: AnthropicStopReason | null): OpenAIFinishReason | null {
  switch (reason) {
    case null:
      return null;
    case 'end_turn':
    case 'stop_sequence': // the matched sequence is lost: OpenAI has no field for it
    case 'pause_turn': // no OpenAI equivalent; the client has to continue the turn itself
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop'; // stop reasons added after this was written
  }
}

/**
 * OpenAI `finish_reason` -> Anthropic `stop_reason`. `stop` always becomes `end_turn`: OpenAI does not say
 * whether a stop string matched, nor which one, so `stop_sequence` cannot be reconstructed.
 */
export function openaiFinishReasonToAnthropic(reason: OpenAIFinishReason | null | undefined): AnthropicStopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}
