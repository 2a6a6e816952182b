import type {
  AnthropicStreamEvent,
  AnthropicUsage,
  OpenAIChatChunk,
  OpenAIFinishReason,
  OpenAIToolCallDelta,
  OpenAIUsage,
} from '@lessllm/shared';
import { toAnthropicStreamError } from './errors';
import { anthropicIdFromOpenAI, mintOpaqueId } from './ids';
import { openaiFinishReasonToAnthropic } from './stop-reasons';
import { openaiUsageToAnthropic } from './usage-mapping';

type MessageDeltaUsage = Extract<AnthropicStreamEvent, { type: 'message_delta' }>['usage'];

/**
 * Translates OpenAI chat completion chunks into Anthropic stream events (providers.md §3.4, "Reverse").
 * Only choice 0 is translated: Anthropic messages have a single choice.
 * The message_delta is held back until `done()`, because OpenAI's usage chunk comes after the finish_reason.
 */
export class OpenAIToAnthropicStream {
  private readonly model: string;
  private started = false;
  private ended = false;
  private nextBlockIndex = 0;
  private openBlock: { index: number; kind: 'text' | 'tool_use' } | null = null;
  /** OpenAI tool call index -> Anthropic block index. */
  private readonly blockByToolCall = new Map<number, number>();
  private finishReason: OpenAIFinishReason | null = null;
  private usage: OpenAIUsage | null = null;

  constructor(opts: { model: string }) {
    this.model = opts.model;
  }

  push(chunk: OpenAIChatChunk): AnthropicStreamEvent[] {
    if (this.ended) return [];
    const events = this.ensureStarted(chunk.id);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.find((c) => c.index === 0);
    if (!choice) return events;
    const delta = choice.delta ?? {};
    const text = (delta.content ?? '') + (delta.refusal ?? '');
    if (text) events.push(...this.appendText(text));
    for (const call of delta.tool_calls ?? []) events.push(...this.appendToolCall(call));
    if (choice.finish_reason) {
      events.push(...this.closeOpenBlock());
      this.finishReason = choice.finish_reason;
    }
    return events;
  }

  /** The upstream stream failed: one Anthropic `error` event, after which nothing more is emitted. */
  error(err: unknown): AnthropicStreamEvent[] {
    if (this.ended) return [];
    this.ended = true;
    return [{ type: 'error', error: toAnthropicStreamError(err) }];
  }

  /** The upstream stream finished (`[DONE]`): close what is open, then message_delta and message_stop. */
  done(): AnthropicStreamEvent[] {
    if (this.ended) return [];
    this.ended = true;
    return [
      ...this.ensureStarted(undefined),
      ...this.closeOpenBlock(),
      {
        type: 'message_delta',
        delta: { stop_reason: openaiFinishReasonToAnthropic(this.finishReason), stop_sequence: null },
        usage: this.finalUsage(),
      },
      { type: 'message_stop' },
    ];
  }

  private ensureStarted(chunkId: string | undefined): AnthropicStreamEvent[] {
    if (this.started) return [];
    this.started = true;
    // Input usage is unknown until OpenAI's usage chunk, so it starts at zero and is reported in message_delta.
    const usage: AnthropicUsage = {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    return [
      {
        type: 'message_start',
        message: {
          id: chunkId ? anthropicIdFromOpenAI(chunkId) : mintOpaqueId('msg_'),
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage,
        },
      },
    ];
  }

  private appendText(text: string): AnthropicStreamEvent[] {
    const events: AnthropicStreamEvent[] = [];
    let index = this.openBlock?.kind === 'text' ? this.openBlock.index : undefined;
    if (index === undefined) {
      events.push(...this.closeOpenBlock());
      index = this.openNewBlock('text');
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    }
    events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
    return events;
  }

  private appendToolCall(call: OpenAIToolCallDelta): AnthropicStreamEvent[] {
    const events: AnthropicStreamEvent[] = [];
    let blockIndex = this.blockByToolCall.get(call.index);
    if (blockIndex === undefined) {
      events.push(...this.closeOpenBlock());
      blockIndex = this.openNewBlock('tool_use');
      this.blockByToolCall.set(call.index, blockIndex);
      events.push({
        type: 'content_block_start',
        index: blockIndex,
        content_block: {
          type: 'tool_use',
          id: call.id || mintOpaqueId('toolu_'),
          name: call.function?.name ?? '',
          input: {},
        },
      });
    }
    const fragment = call.function?.arguments;
    // A fragment for a call whose block is already closed cannot be delivered; OpenAI does not interleave calls.
    if (fragment && this.openBlock?.index === blockIndex) {
      events.push({
        type: 'content_block_delta',
        index: blockIndex,
        delta: { type: 'input_json_delta', partial_json: fragment },
      });
    }
    return events;
  }

  private openNewBlock(kind: 'text' | 'tool_use'): number {
    const index = this.nextBlockIndex++;
    this.openBlock = { index, kind };
    return index;
  }

  private closeOpenBlock(): AnthropicStreamEvent[] {
    if (!this.openBlock) return [];
    const { index } = this.openBlock;
    this.openBlock = null;
    return [{ type: 'content_block_stop', index }];
  }

  private finalUsage(): MessageDeltaUsage {
    if (!this.usage) return { output_tokens: 0 };
    const u = openaiUsageToAnthropic(this.usage);
    return {
      input_tokens: u.input_tokens,
      output_tokens: u.output_tokens,
      cache_read_input_tokens: u.cache_read_input_tokens,
      cache_creation_input_tokens: u.cache_creation_input_tokens,
    };
  }
}
