import type { ResponsesResponse } from '@lessllm/shared';
import { encodeSse } from '@lessllm/shared';
import type { EncodedEvent, Json } from '../wire-format';

/**
 * Writes Responses stream events in wire order (responses-api.md §4): `event: <type>` + `data: {type, ...,
 * sequence_number}`, the sequence starting at 0 and rising by one across the whole stream. Shared by the encoder
 * (answers from other formats) and the replay of stored answers, so both produce the same event grammar.
 */
export class ResponsesEventWriter {
  private sequence = 0;
  private out: EncodedEvent[] = [];

  constructor(start = 0) {
    this.sequence = start;
  }

  take(): EncodedEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  frames(): string[] {
    return this.take().map((e) => e.frame);
  }

  emit(type: string, fields: Json): void {
    const event = { type, ...fields, sequence_number: this.sequence++ };
    this.out.push({ event, frame: encodeSse(JSON.stringify(event), type) });
  }

  created(response: ResponsesResponse): void {
    this.emit('response.created', { response: { ...response, status: 'in_progress', output: [], usage: null } });
    this.emit('response.in_progress', { response: { ...response, status: 'in_progress', output: [], usage: null } });
  }

  /** The terminal event for a finished response: completed, incomplete or failed per its status. */
  terminal(response: ResponsesResponse): void {
    const type =
      response.status === 'incomplete'
        ? 'response.incomplete'
        : response.status === 'failed'
          ? 'response.failed'
          : 'response.completed';
    this.emit(type, { response });
  }

  /** Every event of one finished output item, from `output_item.added` to `output_item.done`. */
  item(item: Json, outputIndex: number, pieces: (text: string) => string[]): void {
    const itemId = typeof item.id === 'string' ? item.id : '';
    switch (item.type) {
      case 'message': {
        const content = Array.isArray(item.content) ? (item.content as Json[]) : [];
        this.emit('response.output_item.added', {
          output_index: outputIndex,
          item: { ...item, status: 'in_progress', content: [] },
        });
        content.forEach((part, contentIndex) => {
          const base = { item_id: itemId, output_index: outputIndex, content_index: contentIndex };
          if (part.type === 'refusal') {
            const refusal = typeof part.refusal === 'string' ? part.refusal : '';
            this.emit('response.content_part.added', { ...base, part: { type: 'refusal', refusal: '' } });
            for (const delta of pieces(refusal)) this.emit('response.refusal.delta', { ...base, delta });
            this.emit('response.refusal.done', { ...base, refusal });
          } else {
            const text = typeof part.text === 'string' ? part.text : '';
            this.emit('response.content_part.added', {
              ...base,
              part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
            });
            for (const delta of pieces(text)) this.emit('response.output_text.delta', { ...base, delta, logprobs: [] });
            this.emit('response.output_text.done', { ...base, text, logprobs: [] });
          }
          this.emit('response.content_part.done', { ...base, part });
        });
        break;
      }
      case 'function_call': {
        const args = typeof item.arguments === 'string' ? item.arguments : '';
        this.emit('response.output_item.added', {
          output_index: outputIndex,
          item: { ...item, status: 'in_progress', arguments: '' },
        });
        if (args)
          this.emit('response.function_call_arguments.delta', {
            item_id: itemId,
            output_index: outputIndex,
            delta: args,
          });
        this.emit('response.function_call_arguments.done', {
          item_id: itemId,
          output_index: outputIndex,
          arguments: args,
          name: item.name,
        });
        break;
      }
      case 'custom_tool_call': {
        const input = typeof item.input === 'string' ? item.input : '';
        this.emit('response.output_item.added', {
          output_index: outputIndex,
          item: { ...item, status: 'in_progress', input: '' },
        });
        if (input)
          this.emit('response.custom_tool_call_input.delta', {
            item_id: itemId,
            output_index: outputIndex,
            delta: input,
          });
        this.emit('response.custom_tool_call_input.done', { item_id: itemId, output_index: outputIndex, input });
        break;
      }
      case 'reasoning': {
        const summary = Array.isArray(item.summary) ? (item.summary as Json[]) : [];
        this.emit('response.output_item.added', { output_index: outputIndex, item: { ...item, summary: [] } });
        summary.forEach((part, summaryIndex) => {
          const text = typeof part.text === 'string' ? part.text : '';
          const base = { item_id: itemId, output_index: outputIndex, summary_index: summaryIndex };
          this.emit('response.reasoning_summary_part.added', { ...base, part: { type: 'summary_text', text: '' } });
          for (const delta of pieces(text)) this.emit('response.reasoning_summary_text.delta', { ...base, delta });
          this.emit('response.reasoning_summary_text.done', { ...base, text });
          this.emit('response.reasoning_summary_part.done', { ...base, part: { type: 'summary_text', text } });
        });
        break;
      }
      default:
        this.emit('response.output_item.added', { output_index: outputIndex, item });
    }
    this.emit('response.output_item.done', { output_index: outputIndex, item });
  }

  /** A stream-time failure: an `error` event, then `response.failed` (responses-api.md §4.5). */
  failure(
    response: ResponsesResponse,
    error: { type: string; code: string | null; message: string; param: string | null },
  ): void {
    // The nested object as recorded streams carry it, and the same fields flat as the SDK types declare them.
    this.emit('error', { error, code: error.code, message: error.message, param: error.param });
    this.emit('response.failed', {
      response: { ...response, status: 'failed', error: { code: error.code ?? error.type, message: error.message } },
    });
  }
}
