import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicStreamEvent,
  AnthropicTextBlock,
  AnthropicToolUseBlock,
} from '@lessllm/shared';
import type { Behaviour } from '../shared/behaviour';
import type { FakeRequest } from '../shared/server';
import { SseWriter, type SseWriterOptions } from '../shared/sse-writer';
import { splitEvery, splitWords } from '../shared/text';
import type { AnthropicFakeState } from './options';
import { errorBody, type Headers } from './respond';

function isTextBlock(block: AnthropicContentBlock): block is AnthropicTextBlock {
  return block.type === 'text' && 'text' in block && typeof block.text === 'string';
}

function isToolUseBlock(block: AnthropicContentBlock): block is AnthropicToolUseBlock {
  return block.type === 'tool_use' && 'id' in block && 'name' in block;
}

export const PING = '{"type": "ping"}';
const OVERLOADED = JSON.stringify(errorBody('overloaded_error', 'Overloaded'));

/**
 * The event sequence of §2.6 for a finished message: message_start (input/cache usage, output_tokens 1), per block
 * content_block_start / (one ping after the first start) / deltas / content_block_stop, message_delta with the
 * cumulative usage, message_stop. Returns the events and the index after the second delta (where failures cut in).
 */
export function messageEvents(message: AnthropicMessage): { events: AnthropicStreamEvent[]; cutAt: number } {
  const { usage } = message;
  const events: AnthropicStreamEvent[] = [
    {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    },
  ];
  let cutAt = -1;
  message.content.forEach((block, index) => {
    const deltas: AnthropicStreamEvent[] = [];
    if (isTextBlock(block)) {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const text of splitWords(block.text)) {
        deltas.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
      }
    } else if (block.type === 'thinking') {
      // Thinking deltas, then one signature_delta right before the block stops (providers.md §2.6).
      events.push({
        type: 'content_block_start',
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      });
      const signed = block as { thinking?: unknown; signature?: unknown };
      for (const thinking of splitWords(String(signed.thinking))) {
        deltas.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } });
      }
      deltas.push({
        type: 'content_block_delta',
        index,
        delta: { type: 'signature_delta', signature: String(signed.signature) },
      });
    } else if (isToolUseBlock(block)) {
      events.push({
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      const json = JSON.stringify(block.input ?? {});
      for (const partial_json of ['', ...splitEvery(json, 6)]) {
        deltas.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
      }
    } else return;
    if (index === 0) events.push({ type: 'ping' });
    const start = events.length;
    events.push(...deltas);
    if (cutAt === -1) cutAt = start + Math.min(2, deltas.length);
    events.push({ type: 'content_block_stop', index });
  });
  events.push(
    {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: usage.output_tokens,
      },
    },
    { type: 'message_stop' },
  );
  return { events, cutAt: cutAt === -1 ? 1 : cutAt };
}

function writerOptions(behaviour: Behaviour, state: AnthropicFakeState): SseWriterOptions {
  switch (behaviour) {
    case 'stream-odd-splits':
      return { oddSplits: true, seed: state.oddSplitSeed };
    case 'stream-keepalive':
      return { crlf: true, interleave: { event: 'ping', data: PING } };
    case 'stream-slow':
      return { delayMs: state.chunkDelayMs };
    default:
      return {};
  }
}

/** Streams `message` as SSE, applying the stream-* behaviours. */
export async function streamMessage(
  fake: FakeRequest,
  headers: Headers,
  message: AnthropicMessage,
  behaviour: Behaviour,
  state: AnthropicFakeState,
): Promise<void> {
  const writer = new SseWriter(fake.res, fake.signal, writerOptions(behaviour, state));
  writer.open(headers);
  const { events, cutAt } = messageEvents(message);
  for (let i = 0; i < events.length; i++) {
    if (behaviour === 'stream-first-error' || (behaviour === 'stream-error-midway' && i === cutAt)) {
      await writer.send(OVERLOADED, 'error');
      return writer.end();
    }
    if (behaviour === 'stream-disconnect' && i === cutAt) return writer.destroy();
    const event = events[i];
    if (!(await writer.send(event.type === 'ping' ? PING : JSON.stringify(event), event.type))) return;
  }
  writer.end();
}
