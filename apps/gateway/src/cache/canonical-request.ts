import type { ApiFormat } from '@lessllm/shared';

type Json = Record<string, unknown>;

/** Fields that never change the answer: transport, attribution and storage options. */
const IGNORED: Record<ApiFormat, readonly string[]> = {
  openai: ['model', 'stream', 'stream_options', 'user', 'safety_identifier', 'metadata', 'store', 'prompt_cache_key'],
  anthropic: ['model', 'stream', 'metadata'],
};

/** Values equal to the provider's default are dropped, so sending the default and omitting it hit the same entry. */
const DEFAULTS: Record<ApiFormat, Record<string, unknown>> = {
  openai: { temperature: 1, top_p: 1, n: 1, presence_penalty: 0, frequency_penalty: 0, logprobs: false },
  anthropic: { temperature: 1 },
};

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The request reduced to what changes the answer, in one spelling: ignored fields removed, null and default
 * values dropped, shorthand forms expanded (stop: "x" -> ["x"], a lone text part -> a string). The model is not
 * here: the cache key names the resolved provider and model instead.
 */
export function canonicalRequest(format: ApiFormat, body: unknown): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(isRecord(body) ? body : {})) {
    if (value === null || value === undefined || IGNORED[format].includes(key)) continue;
    if (key in DEFAULTS[format] && DEFAULTS[format][key] === value) continue;
    out[key] = value;
  }
  if (Array.isArray(out.messages)) out.messages = out.messages.map(canonicalMessage);
  return format === 'openai' ? canonicalOpenAI(out) : canonicalAnthropic(out);
}

function canonicalOpenAI(req: Json): Json {
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

function canonicalAnthropic(req: Json): Json {
  if (req.system !== undefined) {
    const system = loneText(req.system);
    if (system === '') delete req.system;
    else req.system = system;
  }
  if (Array.isArray(req.stop_sequences) && req.stop_sequences.length === 0) delete req.stop_sequences;
  const hasTools = Array.isArray(req.tools) && req.tools.length > 0;
  if (!hasTools) {
    delete req.tools;
    delete req.tool_choice;
  } else if (
    isRecord(req.tool_choice) &&
    req.tool_choice.type === 'auto' &&
    !req.tool_choice.disable_parallel_tool_use
  ) {
    delete req.tool_choice;
  }
  return req;
}

/** A message with null fields dropped and a content array of one plain text part written as a string. */
function canonicalMessage(message: unknown): unknown {
  if (!isRecord(message)) return message;
  const out: Json = {};
  for (const [key, value] of Object.entries(message)) if (value !== null && value !== undefined) out[key] = value;
  if (out.content !== undefined) out.content = loneText(out.content);
  return out;
}

/** `[{type: 'text', text}]` (no cache_control or other extras) -> `text`; anything else unchanged. */
function loneText(content: unknown): unknown {
  if (!Array.isArray(content) || content.length !== 1) return content;
  const part: unknown = content[0];
  if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string') return content;
  return Object.keys(part).length === 2 ? part.text : content;
}
