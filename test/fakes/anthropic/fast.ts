import type { AnthropicMessage } from '@lessllm/shared';
import { messageEvents } from './stream';

/** Model `fast`: constant reply and usage, serialised once; only the message id is spliced in per request. */
export const FAST_TEXT = 'ok';

const ID = '@@ID@@';

const message: AnthropicMessage = {
  id: ID,
  type: 'message',
  role: 'assistant',
  model: 'fast',
  content: [{ type: 'text', text: FAST_TEXT }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: {
    input_tokens: 8,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: 1,
    service_tier: 'standard',
  },
};

function compile(template: string): (id: string) => string {
  const parts = template.split(ID);
  return (id) => parts.join(id);
}

export const fastMessage = compile(JSON.stringify(message));
export const fastStream = compile(
  messageEvents(message)
    .events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
    .join(''),
);
