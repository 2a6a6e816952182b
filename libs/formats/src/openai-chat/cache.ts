import { canonicalMessage, isJsonObject as isRecord, meaningfulFields, splitMessages } from '../common/canonical';
import type { CacheFacet, Json } from '../wire-format';

/** Fields that never change the answer: transport, attribution and storage options. */
const IGNORED = [
  'model',
  'stream',
  'stream_options',
  'user',
  'safety_identifier',
  'metadata',
  'store',
  'prompt_cache_key',
];
const DEFAULTS: Json = { temperature: 1, top_p: 1, n: 1, presence_penalty: 0, frequency_penalty: 0, logprobs: false };

/**
 * The request reduced to what changes the answer, in one spelling: shorthand forms expanded (stop: "x" -> ["x"],
 * a lone text part -> a string, max_tokens -> max_completion_tokens), defaults and no-op tool settings dropped.
 */
export function canonicalChatRequest(body: Json): Json {
  const req = meaningfulFields(body, IGNORED, DEFAULTS);
  if (Array.isArray(req.messages)) req.messages = req.messages.map((m) => canonicalMessage(m));
  if (req.max_tokens !== undefined && req.max_completion_tokens === undefined) {
    req.max_completion_tokens = req.max_tokens;
    delete req.max_tokens;
  }
  if (typeof req.stop === 'string') req.stop = [req.stop];
  if (Array.isArray(req.stop) && req.stop.length === 0) delete req.stop;
  if (isRecord(req.response_format) && req.response_format.type === 'text') delete req.response_format;
  const hasTools = Array.isArray(req.tools) && req.tools.length > 0;
  if (!hasTools) {
    delete req.tools;
    if (req.tool_choice === 'none' || req.tool_choice === 'auto') delete req.tool_choice;
    delete req.parallel_tool_calls;
  } else {
    if (req.tool_choice === 'auto') delete req.tool_choice;
    if (req.parallel_tool_calls === true) delete req.parallel_tool_calls;
  }
  return req;
}

export const chatCache: CacheFacet = {
  canonical: canonicalChatRequest,
  deterministic: (body) => body.temperature === 0,
  semanticView: (body) => splitMessages(canonicalChatRequest(body)),
};
