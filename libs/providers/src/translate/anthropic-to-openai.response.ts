import type { AnthropicMessage, OpenAIChatCompletion, OpenAIToolCall } from '@lessllm/shared';
import { field, stringField } from './guards';
import { openaiIdFromAnthropic, unixSeconds } from './ids';
import { anthropicStopReasonToOpenAI } from './stop-reasons';
import { anthropicUsageToOpenAI } from './usage-mapping';

/** A non-streamed Anthropic message as an OpenAI chat completion (providers.md §3.2, §3.3). */
export function anthropicResponseToOpenAI(
  msg: AnthropicMessage,
  model: string,
  created: number = unixSeconds(),
): OpenAIChatCompletion {
  const texts: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of msg.content ?? []) {
    if (block.type === 'text') texts.push(stringField(block, 'text') ?? '');
    else if (block.type === 'tool_use') toolCalls.push(toolCallFromToolUse(block));
    // thinking, redacted_thinking and server-tool blocks have no place in a chat completion
  }
  const message: OpenAIChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    // Concatenated without separator, exactly as the same blocks arrive as stream deltas.
    content: texts.length > 0 ? texts.join('') : null,
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: openaiIdFromAnthropic(msg.id),
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: anthropicStopReasonToOpenAI(msg.stop_reason) }],
    usage: anthropicUsageToOpenAI(msg.usage),
  };
}

function toolCallFromToolUse(block: object): OpenAIToolCall {
  return {
    id: stringField(block, 'id') ?? '',
    type: 'function',
    function: { name: stringField(block, 'name') ?? '', arguments: JSON.stringify(field(block, 'input') ?? {}) },
  };
}
