import type { NormalizedUsage, ResponsesResponse, ResponsesUsage } from '@lessllm/shared';
import { argumentsFor } from '../common/custom-tools';
import { isRecord, tokenCount } from '../common/guards';
import { mintOpaqueId } from '../common/ids';
import { str } from '../common/json';
import type { IRResponse, IRStopReason } from '../ir/chat';
import type { AnswerSummary, Json, ResponseFacet } from '../wire-format';
import { flatToolName, namespacedTools } from './namespaces';
import { packAnthropicThinking } from './reasoning-pack';

export function normalizeResponsesUsage(u: ResponsesUsage): NormalizedUsage {
  const prompt = tokenCount(u.input_tokens);
  const completion = tokenCount(u.output_tokens);
  const reasoning = u.output_tokens_details?.reasoning_tokens;
  return {
    prompt_tokens: prompt, // input_tokens includes cached tokens (responses-api.md §3)
    completion_tokens: completion, // includes reasoning tokens: they are billed as output
    total_tokens: tokenCount(u.total_tokens) || prompt + completion,
    cached_tokens: tokenCount(u.input_tokens_details?.cached_tokens),
    cache_creation_tokens: tokenCount(u.input_tokens_details?.cache_write_tokens),
    reasoning_tokens: typeof reasoning === 'number' ? tokenCount(reasoning) : null,
  };
}

export function responsesUsageFrom(n: NormalizedUsage): ResponsesUsage {
  return {
    input_tokens: n.prompt_tokens,
    input_tokens_details: { cached_tokens: n.cached_tokens },
    output_tokens: n.completion_tokens,
    output_tokens_details: { reasoning_tokens: n.reasoning_tokens ?? 0 },
    total_tokens: n.total_tokens,
  };
}

function usageOf(response: Json): { raw: unknown; normalized: NormalizedUsage } | null {
  const raw = response.usage;
  if (!isRecord(raw)) return null;
  return { raw, normalized: normalizeResponsesUsage(raw as unknown as ResponsesUsage) };
}

/** Names of the custom (free-form) tools a Responses request declares (namespaced ones by their flat name). */
export function responsesCustomTools(request: Json): Set<string> {
  const names = new Set<string>();
  for (const tool of Array.isArray(request.tools) ? (request.tools as unknown[]) : []) {
    if (isRecord(tool) && tool.type === 'custom' && typeof tool.name === 'string') names.add(tool.name);
    if (isRecord(tool) && tool.type === 'namespace' && typeof tool.name === 'string' && Array.isArray(tool.tools)) {
      for (const inner of tool.tools as unknown[]) {
        if (isRecord(inner) && inner.type === 'custom' && typeof inner.name === 'string')
          names.add(flatToolName(tool.name, inner.name));
      }
    }
  }
  return names;
}

/**
 * The Response object around an answer: its own fields plus the request settings echoed back, as OpenAI does
 * (responses-api.md §3). `request` is the caller's own request.
 */
export function responseEnvelope(
  request: Json,
  fields: { id: string; model: string; createdAt?: number },
): ResponsesResponse {
  const reasoning = isRecord(request.reasoning) ? request.reasoning : {};
  return {
    id: fields.id,
    object: 'response',
    created_at: fields.createdAt ?? Math.floor(Date.now() / 1000),
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: typeof request.instructions === 'string' ? request.instructions : null,
    max_output_tokens: typeof request.max_output_tokens === 'number' ? request.max_output_tokens : null,
    model: fields.model,
    output: [],
    parallel_tool_calls: request.parallel_tool_calls !== false,
    previous_response_id: typeof request.previous_response_id === 'string' ? request.previous_response_id : null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    store: request.store !== false,
    temperature: typeof request.temperature === 'number' ? request.temperature : 1,
    text: isRecord(request.text) ? request.text : { format: { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: Array.isArray(request.tools) ? request.tools : [],
    top_p: typeof request.top_p === 'number' ? request.top_p : 1,
    truncation: typeof request.truncation === 'string' ? request.truncation : 'disabled',
    usage: null,
    user: typeof request.user === 'string' ? request.user : null,
    metadata: isRecord(request.metadata) ? request.metadata : {},
    ...(typeof request.safety_identifier === 'string' ? { safety_identifier: request.safety_identifier } : {}),
    ...(typeof request.prompt_cache_key === 'string' ? { prompt_cache_key: request.prompt_cache_key } : {}),
  };
}

/** The status and incompleteness a stop reason stands for. */
export function statusFor(reason: IRStopReason | null): Pick<ResponsesResponse, 'status' | 'incomplete_details'> {
  if (reason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (reason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** The output items of an internal answer: reasoning, messages (consecutive text merged), tool calls. */
export function outputItems(
  ir: IRResponse['parts'],
  customTools: Set<string>,
  namespaces: ReturnType<typeof namespacedTools> = new Map(),
): Json[] {
  const items: Json[] = [];
  let message: Json | null = null;
  for (const part of ir) {
    if (part.type === 'text' || part.type === 'refusal') {
      message ??= { id: mintOpaqueId('msg_'), type: 'message', status: 'completed', role: 'assistant', content: [] };
      if (!items.includes(message)) items.push(message);
      const content = message.content as Json[];
      content.push(
        part.type === 'text'
          ? { type: 'output_text', text: part.text, annotations: [], logprobs: [] }
          : { type: 'refusal', refusal: part.text },
      );
      continue;
    }
    message = null;
    if (part.type === 'tool_call') {
      items.push(toolCallItem(part.id, part.name, part, customTools.has(part.name), namespaces.get(part.name)));
    } else if (part.type === 'reasoning') items.push(reasoningItem(part));
  }
  return items;
}

export function toolCallItem(
  callId: string,
  name: string,
  call: { arguments: string; custom?: boolean },
  callerCustom: boolean,
  namespaced?: { namespace: string; name: string },
): Json {
  const args = argumentsFor(call, callerCustom);
  const named = namespaced ? { name: namespaced.name, namespace: namespaced.namespace } : { name };
  return callerCustom
    ? {
        id: mintOpaqueId('ctc_'),
        type: 'custom_tool_call',
        status: 'completed',
        call_id: callId,
        ...named,
        input: args,
      }
    : {
        id: mintOpaqueId('fc_'),
        type: 'function_call',
        status: 'completed',
        call_id: callId,
        ...named,
        arguments: args,
      };
}

/** A reasoning item; Anthropic thinking travels packed in `encrypted_content` (see reasoning-pack.ts). */
export function reasoningItem(part: {
  text: string;
  origin: string;
  signature?: string;
  redactedData?: string;
  encrypted?: string;
  id?: string;
}): Json {
  const item: Json = {
    id: part.id ?? mintOpaqueId('rs_'),
    type: 'reasoning',
    summary: part.text ? [{ type: 'summary_text', text: part.text }] : [],
  };
  if (part.origin === 'anthropic' && (part.signature || part.redactedData !== undefined)) {
    item.encrypted_content = packAnthropicThinking({
      ...(part.text ? { thinking: part.text } : {}),
      ...(part.signature ? { signature: part.signature } : {}),
      ...(part.redactedData !== undefined ? { data: part.redactedData } : {}),
    });
  } else if (part.origin === 'openai' && part.encrypted) item.encrypted_content = part.encrypted;
  return item;
}

function toIR(response: Json): IRResponse {
  const r = response as unknown as ResponsesResponse;
  const parts: IRResponse['parts'] = [];
  let calls = false;
  for (const item of Array.isArray(r.output) ? r.output : []) {
    if (!isRecord(item)) continue;
    if (item.type === 'message') {
      for (const c of Array.isArray(item.content) ? (item.content as Json[]) : []) {
        if (c.type === 'output_text' && typeof c.text === 'string') parts.push({ type: 'text', text: c.text });
        else if (c.type === 'refusal' && typeof c.refusal === 'string')
          parts.push({ type: 'refusal', text: c.refusal });
      }
    } else if (item.type === 'function_call' || item.type === 'custom_tool_call') {
      calls = true;
      const custom = item.type === 'custom_tool_call';
      parts.push({
        type: 'tool_call',
        id: str(item.call_id) || str(item.id),
        name: str(item.name),
        arguments: str(custom ? item.input : item.arguments),
        ...(custom ? { custom: true } : {}),
      });
    } else if (item.type === 'reasoning') {
      const summary = Array.isArray(item.summary) ? (item.summary as Json[]) : [];
      parts.push({
        type: 'reasoning',
        text: summary.map((s) => (typeof s.text === 'string' ? s.text : '')).join('\n'),
        origin: 'openai',
        ...(typeof item.encrypted_content === 'string' ? { encrypted: item.encrypted_content } : {}),
        ...(typeof item.id === 'string' ? { id: item.id } : {}),
      });
    }
  }
  const reason = r.incomplete_details?.reason;
  const stopReason: IRStopReason =
    r.status === 'incomplete'
      ? reason === 'content_filter'
        ? 'content_filter'
        : 'length'
      : calls
        ? 'tool_calls'
        : 'stop';
  return {
    id: typeof r.id === 'string' ? r.id : '',
    model: typeof r.model === 'string' ? r.model : '',
    ...(typeof r.created_at === 'number' ? { created: r.created_at } : {}),
    parts,
    stopReason,
    usage: usageOf(response)?.normalized ?? null,
  };
}

/** An internal answer as a Response object (the caller's request settings echoed back). */
function fromIR(ir: IRResponse, ctx: { request: Json; model: string }): Json {
  const response = responseEnvelope(ctx.request, { id: mintOpaqueId('resp_'), model: ctx.model });
  Object.assign(response, statusFor(ir.stopReason));
  response.output = outputItems(
    ir.parts,
    responsesCustomTools(ctx.request),
    namespacedTools(ctx.request),
  ) as ResponsesResponse['output'];
  response.usage = ir.usage ? responsesUsageFrom(ir.usage) : null;
  return withOutputText(response);
}

/**
 * `output_text` (all text joined) is an SDK convenience, not on OpenAI's wire; servers may add it and some clients
 * read it (responses-api.md §3), so answers the gateway writes carry it.
 */
export function withOutputText(response: Json): Json {
  const texts: string[] = [];
  for (const item of Array.isArray(response.output) ? (response.output as Json[]) : []) {
    if (item.type !== 'message') continue;
    for (const c of Array.isArray(item.content) ? (item.content as Json[]) : [])
      if (c.type === 'output_text') texts.push(str(c.text));
  }
  return { ...response, output_text: texts.join('') };
}

function summary(response: Json): AnswerSummary {
  const r = response as unknown as ResponsesResponse;
  const items = Array.isArray(r.output) ? r.output : [];
  let text = '';
  let refused = false;
  let hasToolCalls = false;
  for (const item of items) {
    if (item.type === 'function_call' || item.type === 'custom_tool_call') hasToolCalls = true;
    if (item.type !== 'message') continue;
    for (const c of Array.isArray(item.content) ? (item.content as Json[]) : []) {
      if (c.type === 'output_text') text += str(c.text);
      if (c.type === 'refusal') refused = true;
    }
  }
  return {
    text,
    hasToolCalls,
    cutOff: r.status === 'incomplete' && r.incomplete_details?.reason === 'max_output_tokens',
    cacheable: r.status === 'completed' && items.length > 0 && !refused,
  };
}

export const responsesResponse: ResponseFacet = {
  usage: usageOf,
  model: (response) => (typeof response.model === 'string' ? response.model : null),
  toIR,
  fromIR,
  withUsage(response, usage) {
    if (isRecord(response.usage)) return response;
    return { ...response, usage: responsesUsageFrom(usage) };
  },
  summary,
};
