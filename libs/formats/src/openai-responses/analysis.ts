import type { RoutingInput, RoutingMessage } from '@lessllm/shared';
import { asArray, asRecord, asString, isRecord, safeStringify, type JsonRecord } from '../common/json';
import { contentText, positiveInt, routingRole } from '../common/routing-text';
import { openaiPromptCacheHints, renderContentPart, renderOpenAITools } from '../openai-chat/analysis';
import {
  MARK_MESSAGE,
  MARK_PRIMING,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  type PromptSink,
  type ToolOverhead,
} from '../prompt/prompt-sink.port';
import type { AnalysisFacet, Json } from '../wire-format';

function items(body: Json): unknown[] {
  return typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : asArray(body.input).slice();
}

/** The router's view: instructions as the system turn, messages by role, tool calls and outputs as their text. */
export function responsesRoutingInput(body: unknown): RoutingInput {
  const b = isRecord(body) ? body : {};
  const messages: RoutingMessage[] = [];
  if (typeof b.instructions === 'string' && b.instructions) messages.push({ role: 'system', text: b.instructions });
  for (const item of items(b)) {
    if (!isRecord(item)) continue;
    const type = item.type ?? 'message';
    if (type === 'message') messages.push({ role: routingRole(item.role), text: contentText(item.content) });
    else if (type === 'function_call' || type === 'custom_tool_call')
      messages.push({ role: 'assistant', text: asString(item.arguments ?? item.input) ?? '' });
    else if (type === 'function_call_output' || type === 'custom_tool_call_output')
      messages.push({ role: 'tool', text: typeof item.output === 'string' ? item.output : contentText(item.output) });
  }
  const format = asRecord(asRecord(b.text)?.format)?.type;
  return {
    messages,
    tools: Array.isArray(b.tools) && b.tools.length > 0,
    jsonOutput: format === 'json_object' || format === 'json_schema',
    maxTokens: positiveInt(b.max_output_tokens),
  };
}

/**
 * A Responses request in the provider's cache order: tools, instructions, then each input item as a message
 * (3 + role + content, as Chat Completions counts them), +3 reply priming. Calls count their name and arguments,
 * outputs their text; reasoning items are hashed only (their tokens are the provider's to count).
 */
export function renderResponsesPrompt(sink: PromptSink, request: JsonRecord, overhead: ToolOverhead): void {
  renderOpenAITools(sink, asArray(request.tools), overhead);
  const format = asRecord(asRecord(request.text)?.format);
  if (format && format.type !== 'text') sink.digest(safeStringify(format));
  if (typeof request.instructions === 'string' && request.instructions) {
    sink.marker(TOKENS_PER_MESSAGE, MARK_MESSAGE);
    sink.text('developer');
    sink.text(request.instructions);
    sink.endBlock('system', null);
  }
  for (const value of items(request)) {
    const item = asRecord(value);
    if (!item) continue;
    const type = asString(item.type) ?? 'message';
    sink.marker(TOKENS_PER_MESSAGE, MARK_MESSAGE);
    if (type === 'message') {
      const role = asString(item.role) ?? '';
      sink.text(role);
      const content = item.content;
      if (typeof content === 'string') sink.text(content);
      else for (const part of asArray(content)) renderContentPart(sink, part);
      sink.endBlock(role === 'system' || role === 'developer' ? 'system' : 'messages', null);
      continue;
    }
    if (type === 'function_call' || type === 'custom_tool_call') {
      sink.text(asString(item.name) ?? '');
      sink.text(asString(item.arguments ?? item.input) ?? '');
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      sink.digest(asString(item.call_id) ?? '');
      const output = item.output;
      if (typeof output === 'string') sink.text(output);
      else for (const part of asArray(output)) renderContentPart(sink, part);
    } else sink.digest(safeStringify(item));
    sink.endBlock('messages', null);
  }
  sink.marker(REPLY_PRIMING_TOKENS, MARK_PRIMING);
}

export function responsesOutputTexts(body: Json): string[] {
  const texts: string[] = [];
  for (const value of asArray(body.output)) {
    const item = asRecord(value);
    if (!item) continue;
    if (item.type === 'message') {
      for (const part of asArray(item.content)) {
        const p = asRecord(part);
        texts.push(asString(p?.text) ?? asString(p?.refusal) ?? '');
      }
    } else if (item.type === 'function_call' || item.type === 'custom_tool_call') {
      texts.push(asString(item.name) ?? '', asString(item.arguments ?? item.input) ?? '');
    } else if (item.type === 'reasoning') {
      for (const s of asArray(item.summary)) texts.push(asString(asRecord(s)?.text) ?? '');
    }
  }
  return texts;
}

export const responsesAnalysis: AnalysisFacet = {
  routingInput: responsesRoutingInput,
  wantsJson(body) {
    const type = asRecord(asRecord(body.text)?.format)?.type;
    return type === 'json_object' || type === 'json_schema';
  },
  renderPrompt: renderResponsesPrompt,
  outputTexts: responsesOutputTexts,
  promptCacheHints: openaiPromptCacheHints,
};
