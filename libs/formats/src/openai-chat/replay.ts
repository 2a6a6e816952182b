import type { OpenAIChatChunk, OpenAIChatCompletion } from '@lessllm/shared';
import { encodeSse } from '@lessllm/shared';
import { textPieces } from '../common/text-pieces';
import type { Json } from '../wire-format';

/** Role chunk, content (and refusal) chunks, tool-call chunks, finish chunk per choice; usage chunk; [DONE]. */
export function replayChat(response: Json, opts: { includeUsage: boolean }): string[] {
  const completion = response as unknown as OpenAIChatCompletion;
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk' as const,
    created: completion.created,
    model: completion.model,
    ...(completion.system_fingerprint !== undefined ? { system_fingerprint: completion.system_fingerprint } : {}),
    ...(opts.includeUsage ? { usage: null } : {}),
  };
  const frames: string[] = [];
  const emit = (choices: OpenAIChatChunk['choices'], extra: Partial<OpenAIChatChunk> = {}) =>
    frames.push(encodeSse(JSON.stringify({ ...base, choices, ...extra })));
  for (const choice of completion.choices) {
    const { index, message } = choice;
    emit([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
    for (const text of textPieces(message.content ?? '')) {
      emit([{ index, delta: { content: text }, logprobs: null, finish_reason: null }]);
    }
    if (message.refusal) emit([{ index, delta: { refusal: message.refusal }, logprobs: null, finish_reason: null }]);
    (message.tool_calls ?? []).forEach((call, i) => {
      const custom = (call as unknown as { custom?: unknown }).custom;
      const fragment = custom
        ? { index: i, id: call.id, type: 'custom', custom }
        : {
            index: i,
            id: call.id,
            type: 'function',
            function: { name: call.function.name, arguments: call.function.arguments },
          };
      emit([{ index, delta: { tool_calls: [fragment as never] }, logprobs: null, finish_reason: null }]);
    });
    emit([{ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason }]);
  }
  if (opts.includeUsage && completion.usage) emit([], { usage: completion.usage });
  frames.push('data: [DONE]\n\n');
  return frames;
}
