import type { CompletionsResponse, NormalizedUsage, OpenAIUsage } from '@lessllm/shared';
import { isRecord } from '../common/guards';
import { respell, unixSeconds } from '../common/ids';
import { stopReasonFromOpenAI, stopReasonToOpenAI } from '../common/stop-reasons';
import { normalizeOpenAIUsage } from '../common/usage';
import type { IRResponse } from '../ir/chat';
import type { AnswerSummary, Json, ResponseFacet } from '../wire-format';

function usageOf(response: Json): { raw: unknown; normalized: NormalizedUsage } | null {
  const raw = response.usage;
  if (!isRecord(raw)) return null;
  return { raw, normalized: normalizeOpenAIUsage(raw as unknown as OpenAIUsage) };
}

export function completionsUsageFrom(n: NormalizedUsage): CompletionsResponse['usage'] {
  return { prompt_tokens: n.prompt_tokens, completion_tokens: n.completion_tokens, total_tokens: n.total_tokens };
}

/** Legacy completions have one text per choice; a finish of `tool_calls` cannot happen (no tools). */
function toIR(response: Json): IRResponse {
  const r = response as unknown as CompletionsResponse;
  const choice = Array.isArray(r.choices) ? r.choices[0] : undefined;
  return {
    id: typeof r.id === 'string' ? r.id : '',
    model: typeof r.model === 'string' ? r.model : '',
    parts: choice?.text ? [{ type: 'text', text: choice.text }] : [],
    stopReason: stopReasonFromOpenAI(choice?.finish_reason),
    usage: usageOf(response)?.normalized ?? null,
  };
}

function fromIR(ir: IRResponse, ctx: { request: Json; model: string }): Json {
  const text = ir.parts.map((p) => (p.type === 'text' || p.type === 'refusal' ? p.text : '')).join('');
  const finish = stopReasonToOpenAI(ir.stopReason);
  const out: CompletionsResponse = {
    id: respell(ir.id, 'cmpl-', ['msg_', 'chatcmpl-']),
    object: 'text_completion',
    created: unixSeconds(),
    model: ctx.model,
    choices: [
      {
        index: 0,
        text,
        logprobs: null,
        finish_reason: finish === 'length' || finish === 'content_filter' ? finish : 'stop',
      },
    ],
  };
  if (ir.usage) out.usage = completionsUsageFrom(ir.usage);
  return out;
}

function summary(response: Json): AnswerSummary {
  const choices = (response as unknown as CompletionsResponse).choices;
  const first = Array.isArray(choices) ? choices[0] : undefined;
  return {
    text: typeof first?.text === 'string' ? first.text : '',
    hasToolCalls: false,
    cutOff: first?.finish_reason === 'length',
    cacheable: Array.isArray(choices) && choices.length > 0 && choices.every((c) => c.finish_reason === 'stop'),
  };
}

export const completionsResponse: ResponseFacet = {
  usage: usageOf,
  model: (response) => (typeof response.model === 'string' ? response.model : null),
  toIR,
  fromIR,
  withUsage: (response, usage) =>
    isRecord(response.usage) ? response : { ...response, usage: completionsUsageFrom(usage) },
  summary,
};
