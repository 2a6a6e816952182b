import type { AnthropicContentBlock, AnthropicMessage, AnthropicUsage, NormalizedUsage } from '@lessllm/shared';
import { field, isRecord, stringField } from '../common/guards';
import { respell } from '../common/ids';
import { stopReasonFromAnthropic, stopReasonToAnthropic } from '../common/stop-reasons';
import { anthropicUsageFrom, normalizeAnthropicUsage } from '../common/usage';
import type { IRResponse } from '../ir/chat';
import type { AnswerSummary, Json, ResponseFacet } from '../wire-format';

const CACHEABLE_STOP = new Set(['end_turn', 'stop_sequence', 'tool_use']);

function usageOf(response: Json): { raw: unknown; normalized: NormalizedUsage } | null {
  const raw = response.usage;
  if (!isRecord(raw)) return null;
  return { raw, normalized: normalizeAnthropicUsage(raw as unknown as AnthropicUsage) };
}

function toIR(response: Json): IRResponse {
  const msg = response as unknown as AnthropicMessage;
  const parts: IRResponse['parts'] = [];
  for (const block of msg.content ?? []) {
    if (block.type === 'text') parts.push({ type: 'text', text: stringField(block, 'text') ?? '' });
    else if (block.type === 'tool_use') {
      parts.push({
        type: 'tool_call',
        id: stringField(block, 'id') ?? '',
        name: stringField(block, 'name') ?? '',
        arguments: JSON.stringify(field(block, 'input') ?? {}),
      });
    } else if (block.type === 'thinking') {
      const signature = stringField(block, 'signature');
      parts.push({
        type: 'reasoning',
        text: stringField(block, 'thinking') ?? '',
        origin: 'anthropic',
        ...(signature ? { signature } : {}),
      });
    } else if (block.type === 'redacted_thinking') {
      parts.push({ type: 'reasoning', text: '', origin: 'anthropic', redactedData: stringField(block, 'data') ?? '' });
    }
    // server-tool blocks have no equivalent elsewhere
  }
  return {
    id: typeof msg.id === 'string' ? msg.id : '',
    model: typeof msg.model === 'string' ? msg.model : '',
    parts,
    stopReason: stopReasonFromAnthropic(msg.stop_reason),
    stopSequence: msg.stop_sequence ?? null,
    usage: usageOf(response)?.normalized ?? null,
  };
}

/** An internal answer as an Anthropic message (providers.md §3.2, §3.3). */
function fromIR(ir: IRResponse, ctx: { request: Json; model: string }): Json {
  const content: AnthropicContentBlock[] = [];
  for (const part of ir.parts) {
    if (part.type === 'text' || part.type === 'refusal') {
      if (part.text) content.push({ type: 'text', text: part.text });
    } else if (part.type === 'tool_call') {
      const args = part.custom ? JSON.stringify({ input: part.arguments }) : part.arguments;
      content.push({ type: 'tool_use', id: part.id, name: part.name, input: parseToolInput(args) });
    } else if (part.type === 'reasoning') {
      // Reasoning from another vendor carries no Anthropic signature: shown with an empty one, which Claude Code
      // accepts; it is stripped again before any later turn reaches Anthropic (anthropic-2026.md §3.2).
      if (part.origin === 'anthropic' && part.redactedData !== undefined)
        content.push({ type: 'redacted_thinking', data: part.redactedData });
      else if (part.text)
        content.push({
          type: 'thinking',
          thinking: part.text,
          signature: part.origin === 'anthropic' ? (part.signature ?? '') : '',
        });
    }
  }
  const usage: AnthropicUsage = ir.usage ? anthropicUsageFrom(ir.usage) : { input_tokens: 0, output_tokens: 0 };
  const out: AnthropicMessage = {
    id: respell(ir.id, 'msg_', []),
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content,
    stop_reason: stopReasonToAnthropic(ir.stopReason),
    stop_sequence: null,
    usage,
  };
  return out;
}

/**
 * Tool input from model-written JSON. Anthropic requires an object, so unparsable arguments are kept verbatim under
 * `_raw` instead of failing the whole response.
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

function summary(response: Json): AnswerSummary {
  const message = response as unknown as AnthropicMessage;
  const blocks = Array.isArray(message.content) ? message.content : [];
  return {
    text: blocks.map((b) => (b.type === 'text' ? ((b as { text?: string }).text ?? '') : '')).join(''),
    hasToolCalls: blocks.some((b) => b.type === 'tool_use'),
    cutOff: message.stop_reason === 'max_tokens',
    cacheable:
      Array.isArray(message.content) && message.stop_reason !== null && CACHEABLE_STOP.has(message.stop_reason),
  };
}

export const messagesResponse: ResponseFacet = {
  usage: usageOf,
  model: (response) => (typeof response.model === 'string' ? response.model : null),
  toIR,
  fromIR,
  withUsage: (response) => response, // Anthropic answers always carry usage
  summary,
};
