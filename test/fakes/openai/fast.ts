import type { OpenAIUsage } from '@lessllm/shared';
import type { ChatReply } from './chat-reply';
import { streamChunks } from './chat-response';

/** Model `fast`: constant reply and usage, serialised once; only the id and timestamp are spliced in per request. */
export const FAST_TEXT = 'ok';
export const FAST_USAGE: OpenAIUsage = {
  prompt_tokens: 8,
  completion_tokens: 1,
  total_tokens: 9,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
};

const ID = '@@ID@@';
const CREATED = 1234567890123;
const PLACEHOLDERS = /(@@ID@@|1234567890123)/;

/** Splits a serialised template on the id and created placeholders once; rendering is a few concatenations. */
function compile(template: string): (id: string, created: number) => string {
  const parts = template.split(PLACEHOLDERS);
  return (id, created) => {
    let out = '';
    for (const part of parts) out += part === ID ? id : part === '1234567890123' ? created : part;
    return out;
  };
}

const reply: ChatReply = { content: FAST_TEXT, toolCall: null, finishReason: 'stop', usage: FAST_USAGE };

const completion = compile(
  JSON.stringify({
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model: 'fast',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: FAST_TEXT, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: FAST_USAGE,
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  }),
);

function sse(includeUsage: boolean): (id: string, created: number) => string {
  const chunks = streamChunks(reply, { id: ID, created: CREATED, model: 'fast' }, includeUsage);
  return compile(chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n');
}

export const fastCompletion = completion;
export const fastStream = sse(false);
export const fastStreamWithUsage = sse(true);
