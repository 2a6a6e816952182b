import type { AnthropicContentBlock, AnthropicMessage, OpenAIChatCompletion, OpenAIToolCall } from '@lessllm/shared';
import { isRecord } from './guards';
import { anthropicIdFromOpenAI } from './ids';
import { openaiFinishReasonToAnthropic } from './stop-reasons';
import { openaiUsageToAnthropic } from './usage-mapping';

/** A non-streamed OpenAI chat completion (its first choice) as an Anthropic message (providers.md §3.2, §3.3). */
export function openaiResponseToAnthropic(c: OpenAIChatCompletion, model: string): AnthropicMessage {
  const choice = c.choices?.[0];
  const content: AnthropicContentBlock[] = [];
  const text = choice?.message.content || choice?.message.refusal;
  if (text) content.push({ type: 'text', text });
  for (const call of choice?.message.tool_calls ?? []) content.push(toolUseFromToolCall(call));
  return {
    id: anthropicIdFromOpenAI(c.id),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: openaiFinishReasonToAnthropic(choice?.finish_reason),
    stop_sequence: null,
    usage: c.usage ? openaiUsageToAnthropic(c.usage) : { input_tokens: 0, output_tokens: 0 },
  };
}

function toolUseFromToolCall(call: OpenAIToolCall): AnthropicContentBlock {
  return { type: 'tool_use', id: call.id, name: call.function.name, input: parseToolInput(call.function.arguments) };
}

/**
 * Tool input from model-written JSON. Anthropic requires an object, so unparsable arguments are kept
 * verbatim under `_raw` instead of failing the whole response.
 */
export function parseToolInput(args: string | undefined): Record<string, unknown> {
  if (!args || args.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return isRecord(parsed) ? parsed : { _raw: args };
  } catch {
    return { _raw: args };
  }
}
