import type { NormalizedUsage, OpenAIChatCompletion, OpenAIToolCall, OpenAIUsage } from '@lessllm/shared';
import { argumentsFor } from '../common/custom-tools';
import { isRecord } from '../common/guards';
import { respell, unixSeconds } from '../common/ids';
import { stopReasonFromOpenAI, stopReasonToOpenAI } from '../common/stop-reasons';
import { normalizeOpenAIUsage, openaiUsageFrom } from '../common/usage';
import type { IRResponse } from '../ir/chat';
import type { AnswerSummary, Json, ResponseFacet } from '../wire-format';
import { customToolNames } from './custom-tool-names';

const CACHEABLE_FINISH = new Set(['stop', 'tool_calls', 'function_call']);

function usageOf(response: Json): { raw: unknown; normalized: NormalizedUsage } | null {
  const raw = response.usage;
  if (!isRecord(raw)) return null;
  return { raw, normalized: normalizeOpenAIUsage(raw as unknown as OpenAIUsage) };
}

/** Choice 0 of a chat completion in the internal representation (other formats have a single choice). */
function toIR(response: Json): IRResponse {
  const c = response as unknown as OpenAIChatCompletion;
  const choice = c.choices?.[0];
  const message = choice?.message as (OpenAIChatCompletion['choices'][number]['message'] & Json) | undefined;
  const parts: IRResponse['parts'] = [];
  if (typeof message?.reasoning_content === 'string' && message.reasoning_content) {
    parts.push({ type: 'reasoning', text: message.reasoning_content, origin: 'other' });
  }
  if (message?.content) parts.push({ type: 'text', text: message.content });
  else if (message?.refusal) parts.push({ type: 'refusal', text: message.refusal });
  for (const call of (message?.tool_calls ?? []) as Array<OpenAIToolCall & Json>) {
    if ((call.type as string) === 'custom' && isRecord(call.custom)) {
      const custom = call.custom as { name?: string; input?: string };
      parts.push({
        type: 'tool_call',
        id: call.id,
        name: custom.name ?? '',
        arguments: custom.input ?? '',
        custom: true,
      });
    } else {
      parts.push({
        type: 'tool_call',
        id: call.id,
        name: call.function?.name ?? '',
        arguments: call.function?.arguments ?? '',
      });
    }
  }
  return {
    id: typeof c.id === 'string' ? c.id : '',
    model: typeof c.model === 'string' ? c.model : '',
    ...(typeof c.created === 'number' ? { created: c.created } : {}),
    parts,
    stopReason: stopReasonFromOpenAI(choice?.finish_reason),
    usage: usageOf(response)?.normalized ?? null,
  };
}

/** An internal answer as a chat completion (providers.md §3.2, §3.3). */
function fromIR(ir: IRResponse, ctx: { request: Json; model: string }): Json {
  const texts: string[] = [];
  const refusals: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  const custom = customToolNames(ctx.request);
  for (const part of ir.parts) {
    if (part.type === 'text') texts.push(part.text);
    else if (part.type === 'refusal') refusals.push(part.text);
    else if (part.type === 'tool_call') {
      const callerCustom = custom.has(part.name);
      toolCalls.push(toolCallFor(part.id, part.name, argumentsFor(part, callerCustom), callerCustom));
    }
    // reasoning has no place in a chat completion
  }
  const message: OpenAIChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    // Concatenated without separator, exactly as the same blocks arrive as stream deltas.
    content: texts.length > 0 ? texts.join('') : null,
    refusal: refusals.length > 0 ? refusals.join('') : null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const out: OpenAIChatCompletion = {
    id: respell(ir.id, 'chatcmpl-', ['msg_']),
    object: 'chat.completion',
    created: unixSeconds(),
    model: ctx.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: stopReasonToOpenAI(ir.stopReason) ?? 'stop' }],
  };
  if (ir.usage) out.usage = openaiUsageFrom(ir.usage);
  return out;
}

/** A tool call in chat's shape; custom tools the caller declared come back as `custom` calls. */
export function toolCallFor(id: string, name: string, args: string, custom: boolean): OpenAIToolCall {
  if (custom) return { id, type: 'custom', custom: { name, input: args } } as unknown as OpenAIToolCall;
  return { id, type: 'function', function: { name, arguments: args } };
}

function summary(response: Json): AnswerSummary {
  const choices = (response as unknown as OpenAIChatCompletion).choices;
  const choice = Array.isArray(choices) ? choices[0] : undefined;
  const content = choice?.message?.content;
  const cacheable =
    Array.isArray(choices) &&
    choices.length > 0 &&
    choices.every((c) => c.finish_reason !== null && CACHEABLE_FINISH.has(c.finish_reason) && !c.message?.refusal);
  return {
    text: typeof content === 'string' ? content : '',
    hasToolCalls: (choice?.message?.tool_calls?.length ?? 0) > 0,
    cutOff: choice?.finish_reason === 'length',
    cacheable,
  };
}

export const chatResponse: ResponseFacet = {
  usage: usageOf,
  model: (response) => (typeof response.model === 'string' ? response.model : null),
  toIR,
  fromIR,
  withUsage(response, usage) {
    if (response.usage) return response;
    return { ...response, usage: openaiUsageFrom(usage) };
  },
  summary,
};
