import type { AnthropicStopReason, OpenAIFinishReason } from '@lessllm/shared';
import type { IRStopReason } from '../ir/chat';

/** OpenAI Chat / Completions `finish_reason` -> internal. */
export function stopReasonFromOpenAI(reason: unknown): IRStopReason | null {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    case null:
    case undefined:
      return null;
    default:
      return 'stop';
  }
}

/** Internal -> OpenAI `finish_reason`. Anthropic's `pause_turn` has no OpenAI equivalent: the client continues. */
export function stopReasonToOpenAI(reason: IRStopReason | null): OpenAIFinishReason | null {
  switch (reason) {
    case null:
      return null;
    case 'stop':
    case 'stop_sequence': // the matched sequence is lost: OpenAI has no field for it
    case 'pause':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
  }
}

/** Anthropic `stop_reason` -> internal (providers.md §3.2). */
export function stopReasonFromAnthropic(reason: unknown): IRStopReason | null {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case 'end_turn':
      return 'stop';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'pause_turn':
      return 'pause';
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
 * Internal -> Anthropic `stop_reason`. `stop` always becomes `end_turn`: OpenAI does not say whether a stop string
 * matched, nor which one, so `stop_sequence` cannot be reconstructed from it.
 */
export function stopReasonToAnthropic(reason: IRStopReason | null): AnthropicStopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'pause':
      return 'pause_turn';
    default:
      return 'end_turn';
  }
}
