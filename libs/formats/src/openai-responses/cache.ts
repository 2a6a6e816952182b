import { canonicalMessage, isJsonObject as isRecord, meaningfulFields } from '../common/canonical';
import type { CacheFacet, Json } from '../wire-format';

/** Fields that never change the answer: transport, attribution, storage and conversation bookkeeping. */
const IGNORED = [
  'model',
  'stream',
  'stream_options',
  'store',
  'user',
  'safety_identifier',
  'metadata',
  'prompt_cache_key',
  'prompt_cache_retention',
  'previous_response_id', // already expanded into `input` by the gateway
  'include',
  'client_metadata',
  'service_tier',
  'background',
];
const DEFAULTS: Json = { temperature: 1, top_p: 1, parallel_tool_calls: true, truncation: 'disabled' };

/** A string input is one user message; every item in its easy form (`type: message` implied). */
function canonicalInput(input: unknown): unknown {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) return input;
  return (input as unknown[]).map((item) => {
    if (!isRecord(item)) return item;
    const { type, id: _id, status: _status, ...rest } = item;
    const message = type === undefined || type === 'message' ? canonicalMessage(rest) : { type, ...rest };
    if (isRecord(message) && Array.isArray(message.content)) {
      const content = (message.content as unknown[]).map((part) =>
        isRecord(part) && (part.type === 'input_text' || part.type === 'output_text')
          ? { type: 'text', text: part.text }
          : part,
      );
      const only =
        content.length === 1 && isRecord(content[0]) && content[0].type === 'text' ? content[0].text : undefined;
      message.content = only ?? content;
    }
    return message;
  });
}

export function canonicalResponsesRequest(body: Json): Json {
  const req = meaningfulFields(body, IGNORED, DEFAULTS);
  req.input = canonicalInput(req.input);
  if (isRecord(req.text) && isRecord(req.text.format) && req.text.format.type === 'text') {
    const { format: _format, ...text } = req.text;
    if (Object.keys(text).length === 0) delete req.text;
    else req.text = text;
  }
  if (req.instructions === '') delete req.instructions;
  const hasTools = Array.isArray(req.tools) && req.tools.length > 0;
  if (!hasTools) {
    delete req.tools;
    delete req.tool_choice;
  } else if (req.tool_choice === 'auto') delete req.tool_choice;
  return req;
}

export const responsesCache: CacheFacet = {
  canonical: canonicalResponsesRequest,
  deterministic: (body) => body.temperature === 0,
  semanticView(body) {
    const { input, ...params } = canonicalResponsesRequest(body);
    // Message items keep their role and content; tool calls and outputs are history, compared exactly.
    const messages = (Array.isArray(input) ? input : []).map((item: unknown) =>
      isRecord(item) && typeof item.role === 'string'
        ? (item as { role: string; content?: unknown })
        : { role: 'item', content: item },
    );
    return { messages, params };
  },
};
