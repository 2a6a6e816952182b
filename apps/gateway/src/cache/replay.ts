import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicStreamEvent,
  ApiFormat,
  OpenAIChatChunk,
  OpenAIChatCompletion,
} from '@lessllm/shared';
import { encodeSse } from '@lessllm/shared';

/** Text longer than this is sent in several deltas, the way a provider would stream it. */
const TEXT_PIECE = 256;

const pieces = (text: string): string[] => {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += TEXT_PIECE) out.push(text.slice(i, i + TEXT_PIECE));
  return out;
};

/** The SSE frames of a stored caller-format answer, as the caller's SDK expects them streamed. */
export function replayFrames(format: ApiFormat, response: unknown, opts: { includeUsage: boolean }): string[] {
  return format === 'openai'
    ? replayOpenAI(response as OpenAIChatCompletion, opts.includeUsage)
    : replayAnthropic(response as AnthropicMessage);
}

/** Role chunk, content (and refusal) chunks, tool-call chunks, finish chunk per choice; usage chunk; [DONE]. */
export function replayOpenAI(completion: OpenAIChatCompletion, includeUsage: boolean): string[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk' as const,
    created: completion.created,
    model: completion.model,
    ...(completion.system_fingerprint !== undefined ? { system_fingerprint: completion.system_fingerprint } : {}),
    ...(includeUsage ? { usage: null } : {}),
  };
  const frames: string[] = [];
  const emit = (choices: OpenAIChatChunk['choices'], extra: Partial<OpenAIChatChunk> = {}) =>
    frames.push(encodeSse(JSON.stringify({ ...base, choices, ...extra })));
  for (const choice of completion.choices) {
    const { index, message } = choice;
    emit([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
    for (const text of pieces(message.content ?? '')) {
      emit([{ index, delta: { content: text }, logprobs: null, finish_reason: null }]);
    }
    if (message.refusal) emit([{ index, delta: { refusal: message.refusal }, logprobs: null, finish_reason: null }]);
    (message.tool_calls ?? []).forEach((call, i) => {
      const fn = { name: call.function.name, arguments: call.function.arguments };
      emit([
        {
          index,
          delta: { tool_calls: [{ index: i, id: call.id, type: 'function', function: fn }] },
          logprobs: null,
          finish_reason: null,
        },
      ]);
    });
    emit([{ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason }]);
  }
  if (includeUsage && completion.usage) emit([], { usage: completion.usage });
  frames.push('data: [DONE]\n\n');
  return frames;
}

/** message_start, each content block (start, delta(s), stop), message_delta with usage, message_stop. */
export function replayAnthropic(message: AnthropicMessage): string[] {
  const events: AnthropicStreamEvent[] = [];
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens } = message.usage;
  events.push({
    type: 'message_start',
    message: {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...message.usage, output_tokens: 0 },
    },
  });
  message.content.forEach((block, index) => events.push(...blockEvents(block, index)));
  events.push({
    type: 'message_delta',
    delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
    usage: {
      input_tokens,
      output_tokens: message.usage.output_tokens,
      ...(cache_creation_input_tokens != null ? { cache_creation_input_tokens } : {}),
      ...(cache_read_input_tokens != null ? { cache_read_input_tokens } : {}),
    },
  });
  events.push({ type: 'message_stop' });
  return events.map((event) => encodeSse(JSON.stringify(event), event.type));
}

function blockEvents(block: AnthropicContentBlock, index: number): AnthropicStreamEvent[] {
  const start = (content_block: AnthropicContentBlock): AnthropicStreamEvent => ({
    type: 'content_block_start',
    index,
    content_block,
  });
  const delta = (d: { type: string; [key: string]: unknown }): AnthropicStreamEvent => ({
    type: 'content_block_delta',
    index,
    delta: d,
  });
  const out: AnthropicStreamEvent[] = [];
  const b = block as Record<string, unknown>;
  if (block.type === 'text' && typeof b.text === 'string') {
    out.push(start({ ...block, text: '' }));
    for (const text of pieces(b.text)) out.push(delta({ type: 'text_delta', text }));
  } else if (block.type === 'tool_use') {
    out.push(start({ ...block, input: {} }));
    out.push(delta({ type: 'input_json_delta', partial_json: JSON.stringify(b.input ?? {}) }));
  } else if (block.type === 'thinking' && typeof b.thinking === 'string') {
    out.push(start({ ...block, thinking: '', signature: '' }));
    out.push(delta({ type: 'thinking_delta', thinking: b.thinking }));
    if (typeof b.signature === 'string') out.push(delta({ type: 'signature_delta', signature: b.signature }));
  } else {
    out.push(start(block)); // blocks without deltas (e.g. redacted_thinking) arrive whole
  }
  out.push({ type: 'content_block_stop', index });
  return out;
}
