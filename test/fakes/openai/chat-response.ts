import type { OpenAIChatChunk, OpenAIChatCompletion } from '@lessllm/shared';
import { splitEvery, splitWords } from '../shared/text';
import type { ChatReply } from './chat-reply';

export interface ChunkMeta {
  id: string;
  created: number;
  model: string;
}

export function completionBody(reply: ChatReply, meta: ChunkMeta): OpenAIChatCompletion {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.content,
          refusal: null,
          ...(reply.toolCall ? { tool_calls: [reply.toolCall] } : {}),
        },
        logprobs: null,
        finish_reason: reply.finishReason,
      },
    ],
    usage: reply.usage,
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

type Delta = OpenAIChatChunk['choices'][number]['delta'];

/**
 * The chunk sequence for a streamed reply: a role chunk (carrying the first tool-call fragment for tool calls),
 * word-sized content chunks or argument fragments, a finish chunk with an empty delta, then (with include_usage)
 * a `choices: []` usage chunk. With include_usage every other chunk has `usage: null`.
 */
export function streamChunks(reply: ChatReply, meta: ChunkMeta, includeUsage: boolean): OpenAIChatChunk[] {
  const chunk = (delta: Delta, finishReason: ChatReply['finishReason'] | null = null): OpenAIChatChunk => ({
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks: OpenAIChatChunk[] = [];
  const call = reply.toolCall;
  if (call) {
    chunks.push(
      chunk({
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          { index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
        ],
      }),
    );
    for (const piece of splitEvery(call.function.arguments, 5)) {
      chunks.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
    }
  } else {
    chunks.push(chunk({ role: 'assistant', content: '', refusal: null }));
    for (const word of splitWords(reply.content ?? '')) chunks.push(chunk({ content: word }));
  }
  chunks.push(chunk({}, reply.finishReason));
  if (includeUsage) {
    chunks.push({
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
      choices: [],
      usage: reply.usage,
    });
  }
  return chunks;
}
