import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicStreamEvent,
  OpenAIChatChunk,
  OpenAIChatCompletion,
  OpenAIFinishReason,
  OpenAIToolCall,
} from '@lessllm/shared';
import { field, isRecord, stringField } from './guards';

interface ChoiceState {
  content: string;
  refusal: string;
  toolCalls: Map<number, OpenAIToolCall>;
  finishReason: OpenAIFinishReason | null;
}

/** Rebuilds the chat completion an OpenAI chunk stream amounted to (for call records). */
export class OpenAIStreamAssembler {
  private id = '';
  private created = 0;
  private model = '';
  private systemFingerprint: string | null | undefined;
  private readonly choices = new Map<number, ChoiceState>();
  private usage: OpenAIChatCompletion['usage'];

  push(chunk: OpenAIChatChunk): void {
    if (!this.id) {
      this.id = chunk.id;
      this.created = chunk.created;
      this.model = chunk.model;
    }
    const fingerprint = chunk.system_fingerprint;
    if (typeof fingerprint === 'string' || fingerprint === null) this.systemFingerprint = fingerprint;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      const state = this.choiceState(choice.index);
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string') state.content += delta.content;
      if (typeof delta.refusal === 'string') state.refusal += delta.refusal;
      for (const fragment of delta.tool_calls ?? []) {
        const call = state.toolCalls.get(fragment.index) ?? {
          id: '',
          type: 'function',
          function: { name: '', arguments: '' },
        };
        if (fragment.id) call.id = fragment.id;
        // Some compatible servers repeat the name on every fragment, so it is replaced, not appended.
        if (fragment.function?.name) call.function.name = fragment.function.name;
        if (fragment.function?.arguments) call.function.arguments += fragment.function.arguments;
        state.toolCalls.set(fragment.index, call);
      }
      if (choice.finish_reason) state.finishReason = choice.finish_reason;
    }
  }

  result(): OpenAIChatCompletion {
    const choices = sortedByKey(this.choices).map(([index, state]) => {
      const message: OpenAIChatCompletion['choices'][number]['message'] = {
        role: 'assistant',
        content: state.content || null,
        refusal: state.refusal || null,
      };
      const toolCalls = sortedByKey(state.toolCalls).map(([, c]) => ({ ...c, function: { ...c.function } }));
      if (toolCalls.length > 0) message.tool_calls = toolCalls;
      return { index, message, logprobs: null, finish_reason: state.finishReason };
    });
    const completion: OpenAIChatCompletion = {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices,
    };
    if (this.usage) completion.usage = this.usage;
    if (this.systemFingerprint !== undefined) completion.system_fingerprint = this.systemFingerprint;
    return completion;
  }

  private choiceState(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (!state) {
      state = { content: '', refusal: '', toolCalls: new Map(), finishReason: null };
      this.choices.set(index, state);
    }
    return state;
  }
}

interface BlockState {
  block: Record<string, unknown>;
  /** Concatenated input_json_delta fragments not yet parsed; null when none arrived since the last parse. */
  partialJson: string | null;
}

/** Rebuilds the message an Anthropic event stream amounted to (for call records). */
export class AnthropicStreamAssembler {
  private message: AnthropicMessage | null = null;
  private readonly blocks = new Map<number, BlockState>();

  push(event: AnthropicStreamEvent): void {
    switch (event.type) {
      case 'message_start':
        this.message = { ...event.message, content: [], usage: { ...event.message.usage } };
        return;
      case 'content_block_start':
        this.blocks.set(event.index, {
          block: { ...(event.content_block as Record<string, unknown>) },
          partialJson: null,
        });
        return;
      case 'content_block_delta':
        this.applyDelta(event.index, event.delta);
        return;
      case 'content_block_stop': {
        const state = this.blocks.get(event.index);
        if (state) this.blocks.set(event.index, { block: finishedBlock(state), partialJson: null });
        return;
      }
      case 'message_delta': {
        const message = this.base();
        message.stop_reason = event.delta?.stop_reason ?? message.stop_reason;
        message.stop_sequence = event.delta?.stop_sequence ?? message.stop_sequence;
        // Counts are cumulative: the latest value wins; absent or null fields keep the earlier value.
        for (const [key, value] of Object.entries(event.usage ?? {})) {
          if (value !== null && value !== undefined) message.usage[key] = value;
        }
        return;
      }
    }
  }

  result(): AnthropicMessage {
    const base = this.base();
    const content = sortedByKey(this.blocks).map(([, state]) => finishedBlock(state) as AnthropicContentBlock);
    return { ...base, content, usage: { ...base.usage } };
  }

  private base(): AnthropicMessage {
    this.message ??= {
      id: '',
      type: 'message',
      role: 'assistant',
      model: '',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return this.message;
  }

  private applyDelta(index: number, delta: object): void {
    const state = this.blocks.get(index);
    if (!state) return;
    const { block } = state;
    switch (field(delta, 'type')) {
      case 'text_delta':
        block.text = (stringField(block, 'text') ?? '') + (stringField(delta, 'text') ?? '');
        return;
      case 'input_json_delta':
        state.partialJson = (state.partialJson ?? '') + (stringField(delta, 'partial_json') ?? '');
        return;
      case 'thinking_delta':
        block.thinking = (stringField(block, 'thinking') ?? '') + (stringField(delta, 'thinking') ?? '');
        return;
      case 'signature_delta':
        block.signature = stringField(delta, 'signature') ?? '';
        return;
      case 'citations_delta': {
        const citation = field(delta, 'citation');
        const earlier: unknown[] = Array.isArray(block.citations) ? block.citations : [];
        if (isRecord(citation)) block.citations = [...earlier, citation];
        return;
      }
    }
  }
}

/** The block with its streamed JSON input parsed; input that is not valid JSON is kept as the raw string. */
function finishedBlock(state: BlockState): Record<string, unknown> {
  if (state.partialJson === null || state.partialJson.trim() === '') return { ...state.block };
  let input: unknown;
  try {
    input = JSON.parse(state.partialJson);
  } catch {
    input = state.partialJson;
  }
  return { ...state.block, input };
}

function sortedByKey<V>(map: Map<number, V>): Array<[number, V]> {
  return [...map.entries()].sort(([a], [b]) => a - b);
}
