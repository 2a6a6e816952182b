import type { OpenAIChatRequest, OpenAIMessage } from '@lessllm/shared';
import { randomUUID } from 'node:crypto';
import { behaviourOf, type Behaviour } from '../shared/behaviour';
import type { FakeRequest } from '../shared/server';
import { SseWriter } from '../shared/sse-writer';
import { asString, isRecord, splitEvery, splitWords } from '../shared/text';
import { buildChatReply, contentText } from './chat-reply';
import { applyFailureBehaviour } from './failures';
import type { OpenAIFakeState } from './options';
import { ERRORS, openaiError, openaiHeaders, sendError, sendJson } from './respond';

type Json = Record<string, unknown>;

const id = (prefix: string): string => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 24)}`;

/** Models that "reason": their answers open with a reasoning item (summary + encrypted content when included). */
const REASONING_MODEL = /^(o\d|gpt-5)/;

/**
 * The conversation of a Responses request in Chat Completions terms, so both endpoints answer alike: instructions
 * and system/developer items as system messages, message items by role, calls and their outputs as tool turns.
 */
export function chatViewOf(body: Json): OpenAIChatRequest {
  const messages: OpenAIMessage[] = [];
  if (typeof body.instructions === 'string') messages.push({ role: 'system', content: body.instructions });
  const input: unknown[] =
    typeof body.input === 'string'
      ? [{ role: 'user', content: body.input }]
      : Array.isArray(body.input)
        ? body.input
        : [];
  for (const item of input) {
    if (!isRecord(item)) continue;
    const type = item.type ?? 'message';
    if (type === 'message') {
      const role = item.role === 'developer' ? 'system' : (item.role as OpenAIMessage['role']);
      messages.push({ role, content: typeof item.content === 'string' ? item.content : contentText(item.content) });
    } else if (type === 'function_call' || type === 'custom_tool_call') {
      const args = asString(type === 'function_call' ? item.arguments : item.input) ?? '';
      messages.push({
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: String(item.call_id), type: 'function', function: { name: String(item.name), arguments: args } },
        ],
      });
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      const output = typeof item.output === 'string' ? item.output : contentText(item.output);
      messages.push({ role: 'tool', tool_call_id: String(item.call_id), content: output });
    }
  }
  const tools = (Array.isArray(body.tools) ? (body.tools as Json[]) : [])
    .filter((t) => t.type === 'function' || t.type === 'custom')
    .map((t) => ({
      type: 'function' as const,
      function: {
        name: String(t.name),
        parameters:
          t.type === 'custom' ? { type: 'object', properties: { input: { type: 'string' } } } : (t.parameters as Json),
      },
    }));
  const choice = body.tool_choice;
  const format = isRecord(body.text) && isRecord(body.text.format) ? body.text.format : undefined;
  return {
    model: String(body.model),
    messages,
    ...(tools.length > 0 ? { tools } : {}),
    ...(isRecord(choice) && typeof choice.name === 'string'
      ? { tool_choice: { type: 'function', function: { name: choice.name } } }
      : typeof choice === 'string'
        ? { tool_choice: choice as 'auto' }
        : {}),
    ...(format && (format.type === 'json_schema' || format.type === 'json_object')
      ? { response_format: { type: format.type } }
      : {}),
    ...(typeof body.max_output_tokens === 'number' ? { max_tokens: body.max_output_tokens } : {}),
    stream: body.stream === true,
  };
}

function validate(body: unknown): { ok: true; body: Json } | { ok: false; error: ReturnType<typeof openaiError> } {
  if (!isRecord(body)) return { ok: false, error: ERRORS.invalidJson };
  if (typeof body.model !== 'string' || !body.model) return { ok: false, error: ERRORS.missingModel };
  if (body.input === undefined) return { ok: false, error: ERRORS.missing('input') };
  if (typeof body.input !== 'string' && !Array.isArray(body.input)) {
    return {
      ok: false,
      error: openaiError(
        "Invalid type for 'input': expected a string or an array.",
        'invalid_request_error',
        'input',
        'invalid_type',
      ),
    };
  }
  // Like the real API: an empty conversation, or items that are neither messages nor typed items, are a 400.
  const items = typeof body.input === 'string' ? [body.input] : body.input;
  if (items.length === 0 && typeof body.instructions !== 'string') {
    return {
      ok: false,
      error: openaiError("Invalid 'input': empty array.", 'invalid_request_error', 'input', 'empty_array'),
    };
  }
  const bad = items.findIndex(
    (item) =>
      typeof item !== 'string' && !(isRecord(item) && (typeof item.type === 'string' || typeof item.role === 'string')),
  );
  if (bad !== -1) {
    return {
      ok: false,
      error: openaiError(
        `Invalid value for 'input[${bad}]': expected an input item.`,
        'invalid_request_error',
        `input[${bad}]`,
        'invalid_value',
      ),
    };
  }
  // This fake keeps nothing: a previous_response_id reaching it is an id the gateway should have expanded.
  if (typeof body.previous_response_id === 'string') {
    return {
      ok: false,
      error: openaiError(
        `Previous response with id '${body.previous_response_id}' not found.`,
        'invalid_request_error',
        'previous_response_id',
        'previous_response_not_found',
      ),
    };
  }
  return { ok: true, body };
}

/** The Response a request gets: reasoning (for reasoning models), then a message or one call. */
export function buildResponse(body: Json, behaviour: Behaviour, callId: string): Json {
  const reply = buildChatReply(chatViewOf(body), behaviour, callId);
  const output: Json[] = [];
  const reasoning = REASONING_MODEL.test(String(body.model));
  const includeEncrypted = Array.isArray(body.include) && body.include.includes('reasoning.encrypted_content');
  if (reasoning) {
    output.push({
      id: id('rs_'),
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'Thinking it over.' }],
      ...(includeEncrypted ? { encrypted_content: `gAAAAA${Buffer.from(callId).toString('base64')}` } : {}),
    });
  }
  const customTools = new Set(
    (Array.isArray(body.tools) ? (body.tools as Json[]) : [])
      .filter((t) => t.type === 'custom')
      .map((t) => String(t.name)),
  );
  if (reply.toolCall) {
    const name = reply.toolCall.function.name;
    output.push(
      customTools.has(name)
        ? {
            id: id('ctc_'),
            type: 'custom_tool_call',
            status: 'completed',
            call_id: reply.toolCall.id,
            name,
            input: 'raw input for the tool',
          }
        : {
            id: id('fc_'),
            type: 'function_call',
            status: 'completed',
            call_id: reply.toolCall.id,
            name,
            arguments: reply.toolCall.function.arguments,
          },
    );
  } else {
    output.push({
      id: id('msg_'),
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: reply.content ?? '', annotations: [], logprobs: [] }],
    });
  }
  const reasoningTokens = reasoning ? 4 : 0;
  const incomplete = reply.finishReason === 'length';
  return {
    id: id('resp_'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: incomplete ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: {
      input_tokens: reply.usage.prompt_tokens,
      input_tokens_details: { cached_tokens: reply.usage.prompt_tokens_details?.cached_tokens ?? 0 },
      output_tokens: reply.usage.completion_tokens + reasoningTokens,
      output_tokens_details: { reasoning_tokens: reasoningTokens },
      total_tokens: reply.usage.total_tokens + reasoningTokens,
    },
    user: null,
    metadata: body.metadata ?? {},
  };
}

/** `POST /v1/responses`: JSON, or the typed event stream in OpenAI's order (responses-api.md §4). */
export async function handleResponses(fake: FakeRequest, state: OpenAIFakeState): Promise<void> {
  if (fake.bodyInvalid) return sendError(fake, state, 400, ERRORS.invalidJson);
  const v = validate(fake.body);
  if (!v.ok) return sendError(fake, state, 400, v.error);
  const behaviour = behaviourOf(String(v.body.model));
  if (await applyFailureBehaviour(fake, state, behaviour, String(v.body.model))) return;
  const response = buildResponse(v.body, behaviour, `call_${++state.callCounter}`);
  if (v.body.stream !== true) return sendJson(fake, state, 200, response);
  await streamResponse(fake, state, response, behaviour);
}

/** `POST /v1/responses/input_tokens`: the fake's token estimate for the input. */
export function handleInputTokens(fake: FakeRequest, state: OpenAIFakeState): void {
  const body = isRecord(fake.body) ? fake.body : {};
  const chat = chatViewOf({ model: 'm', ...body });
  let chars = 0;
  for (const m of chat.messages)
    chars += contentText(m.content).length + (typeof m.content === 'string' ? m.content.length : 0);
  sendJson(fake, state, 200, {
    object: 'response.input_tokens',
    input_tokens: Math.ceil(chars / 4) + 3 * chat.messages.length,
  });
}

async function streamResponse(
  fake: FakeRequest,
  state: OpenAIFakeState,
  response: Json,
  behaviour: Behaviour,
): Promise<void> {
  const writer = new SseWriter(
    fake.res,
    fake.signal,
    behaviour === 'stream-slow' ? { delayMs: state.chunkDelayMs } : {},
  );
  writer.open(openaiHeaders(fake, state));
  let sequence = 0;
  let sent = 0;
  const send = async (type: string, fields: Json): Promise<boolean> => {
    sent++;
    return writer.send(JSON.stringify({ type, ...fields, sequence_number: sequence++ }), type);
  };
  const fail = async (): Promise<void> => {
    await send('error', {
      error: { type: 'server_error', code: 'server_error', message: 'upstream exploded', param: null },
    });
    await send('response.failed', {
      response: {
        ...response,
        status: 'failed',
        error: { code: 'server_error', message: 'upstream exploded' },
        usage: null,
      },
    });
    writer.end();
  };
  if (behaviour === 'stream-first-error') return fail();
  const skeleton = { ...response, status: 'in_progress', output: [], usage: null };
  if (!(await send('response.created', { response: skeleton }))) return;
  await send('response.in_progress', { response: skeleton });
  const output = response.output as Json[];
  for (let i = 0; i < output.length; i++) {
    const item = output[i];
    const base = { item_id: item.id, output_index: i };
    if (item.type === 'message') {
      await send('response.output_item.added', {
        output_index: i,
        item: { ...item, status: 'in_progress', content: [] },
      });
      await send('response.content_part.added', {
        ...base,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      });
      const text = String((item.content as Json[])[0].text);
      for (const word of splitWords(text)) {
        if (behaviour === 'stream-error-midway' && sent >= 5) return fail();
        if (behaviour === 'stream-disconnect' && sent >= 5) return writer.destroy();
        if (
          !(await send('response.output_text.delta', {
            ...base,
            content_index: 0,
            delta: word,
            logprobs: [],
            obfuscation: 'x',
          }))
        )
          return;
      }
      await send('response.output_text.done', { ...base, content_index: 0, text, logprobs: [] });
      await send('response.content_part.done', { ...base, content_index: 0, part: (item.content as Json[])[0] });
    } else if (item.type === 'function_call') {
      await send('response.output_item.added', {
        output_index: i,
        item: { ...item, status: 'in_progress', arguments: '' },
      });
      for (const piece of splitEvery(String(item.arguments), 5))
        await send('response.function_call_arguments.delta', { ...base, delta: piece });
      await send('response.function_call_arguments.done', { ...base, arguments: item.arguments, name: item.name });
    } else if (item.type === 'custom_tool_call') {
      await send('response.output_item.added', {
        output_index: i,
        item: { ...item, status: 'in_progress', input: '' },
      });
      await send('response.custom_tool_call_input.delta', { ...base, delta: item.input });
      await send('response.custom_tool_call_input.done', { ...base, input: item.input });
    } else if (item.type === 'reasoning') {
      await send('response.output_item.added', { output_index: i, item: { ...item, summary: [] } });
      const text = String((item.summary as Json[])[0].text);
      const summary = { ...base, summary_index: 0 };
      await send('response.reasoning_summary_part.added', { ...summary, part: { type: 'summary_text', text: '' } });
      for (const word of splitWords(text))
        await send('response.reasoning_summary_text.delta', { ...summary, delta: word });
      await send('response.reasoning_summary_text.done', { ...summary, text });
      await send('response.reasoning_summary_part.done', { ...summary, part: { type: 'summary_text', text } });
    }
    await send('response.output_item.done', { output_index: i, item });
  }
  await send(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
  writer.end();
}
