import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicStreamEvent,
  AnthropicUsage,
  OpenAIChatChunk,
  OpenAIErrorBody,
  OpenAIFinishReason,
} from '@lessllm/shared';
import { anthropicStreamErrorToOpenAI } from './errors';
import { field, stringField } from './guards';
import { mintOpaqueId, openaiIdFromAnthropic, unixSeconds } from './ids';
import { anthropicStopReasonToOpenAI } from './stop-reasons';
import { anthropicUsageToOpenAI } from './usage-mapping';

/** What an OpenAI caller receives: a chunk, an error payload (then the stream closes), or the `[DONE]` marker. */
export type OpenAIStreamItem =
  { kind: 'chunk'; chunk: OpenAIChatChunk } | { kind: 'error'; error: OpenAIErrorBody } | { kind: 'done' };

type ChunkDelta = OpenAIChatChunk['choices'][number]['delta'];

/** Translates an Anthropic event stream into OpenAI chat completion chunks, one event at a time (providers.md §3.4). */
export class AnthropicToOpenAIStream {
  private readonly model: string;
  private readonly includeUsage: boolean;
  private readonly created: number;
  private id: string | null = null;
  private usage: AnthropicUsage = { input_tokens: 0, output_tokens: 0 };
  /** Anthropic block index -> OpenAI tool call index (0, 1, ... counting tool calls only). */
  private readonly toolCallIndexByBlock = new Map<number, number>();
  private finishSent = false;
  private ended = false;

  constructor(opts: { model: string; includeUsage: boolean; created?: number }) {
    this.model = opts.model;
    this.includeUsage = opts.includeUsage;
    this.created = opts.created ?? unixSeconds();
  }

  push(event: AnthropicStreamEvent): OpenAIStreamItem[] {
    if (this.ended) return [];
    switch (event.type) {
      case 'message_start':
        return this.start(event.message);
      case 'content_block_start':
        return this.blockStart(event.index, event.content_block);
      case 'content_block_delta':
        return this.blockDelta(event.index, event.delta);
      case 'message_delta':
        return this.messageDelta(event.delta?.stop_reason ?? null, event.usage);
      case 'message_stop':
        return this.stop();
      case 'error':
        this.ended = true;
        return [{ kind: 'error', error: anthropicStreamErrorToOpenAI(event.error) }];
      default:
        return []; // ping, content_block_stop, and event types added after this was written
    }
  }

  private start(message: AnthropicMessage | undefined): OpenAIStreamItem[] {
    if (this.id !== null) return [];
    this.id = message?.id ? openaiIdFromAnthropic(message.id) : mintOpaqueId('chatcmpl-');
    if (message?.usage) this.usage = { ...message.usage };
    return [this.chunk({ role: 'assistant', content: '' })];
  }

  /** Output that arrives without a message_start still gets the opening role chunk. */
  private ensureStarted(): OpenAIStreamItem[] {
    return this.id === null ? this.start(undefined) : [];
  }

  private blockStart(index: number, block: AnthropicContentBlock): OpenAIStreamItem[] {
    if (block.type === 'tool_use') {
      const toolCallIndex = this.toolCallIndexByBlock.size;
      this.toolCallIndexByBlock.set(index, toolCallIndex);
      const id = stringField(block, 'id') ?? '';
      const name = stringField(block, 'name') ?? '';
      return [
        ...this.ensureStarted(),
        this.chunk({ tool_calls: [{ index: toolCallIndex, id, type: 'function', function: { name, arguments: '' } }] }),
      ];
    }
    const initialText = block.type === 'text' ? stringField(block, 'text') : undefined;
    if (initialText) return [...this.ensureStarted(), this.chunk({ content: initialText })];
    return [];
  }

  private blockDelta(index: number, delta: object): OpenAIStreamItem[] {
    switch (field(delta, 'type')) {
      case 'text_delta': {
        const text = stringField(delta, 'text');
        return text ? [...this.ensureStarted(), this.chunk({ content: text })] : [];
      }
      case 'input_json_delta': {
        const toolCallIndex = this.toolCallIndexByBlock.get(index);
        const fragment = stringField(delta, 'partial_json');
        if (toolCallIndex === undefined || !fragment) return [];
        return [this.chunk({ tool_calls: [{ index: toolCallIndex, function: { arguments: fragment } }] })];
      }
      default:
        return []; // thinking and signature deltas have no OpenAI equivalent
    }
  }

  private messageDelta(
    stopReason: AnthropicMessage['stop_reason'],
    usage: Partial<AnthropicUsage> | undefined,
  ): OpenAIStreamItem[] {
    // Counts in message_delta are cumulative: the latest value replaces the earlier one.
    for (const [key, value] of Object.entries(usage ?? {})) {
      if (value !== null && value !== undefined) this.usage[key] = value;
    }
    if (stopReason === null || this.finishSent) return [];
    return [...this.ensureStarted(), this.finish(anthropicStopReasonToOpenAI(stopReason) ?? 'stop')];
  }

  private stop(): OpenAIStreamItem[] {
    const items = this.ensureStarted();
    if (!this.finishSent) items.push(this.finish('stop'));
    if (this.includeUsage) items.push({ kind: 'chunk', chunk: this.usageChunk() });
    items.push({ kind: 'done' });
    this.ended = true;
    return items;
  }

  private finish(reason: OpenAIFinishReason): OpenAIStreamItem {
    this.finishSent = true;
    return this.chunk({}, reason);
  }

  private chunk(delta: ChunkDelta, finishReason: OpenAIFinishReason | null = null): OpenAIStreamItem {
    const chunk: OpenAIChatChunk = {
      ...this.envelope(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    // As OpenAI does when include_usage is on: every chunk before the usage chunk carries usage: null.
    if (this.includeUsage) chunk.usage = null;
    return { kind: 'chunk', chunk };
  }

  private usageChunk(): OpenAIChatChunk {
    return { ...this.envelope(), choices: [], usage: anthropicUsageToOpenAI(this.usage) };
  }

  private envelope(): Pick<OpenAIChatChunk, 'id' | 'object' | 'created' | 'model'> {
    return { id: this.id ?? '', object: 'chat.completion.chunk', created: this.created, model: this.model };
  }
}
