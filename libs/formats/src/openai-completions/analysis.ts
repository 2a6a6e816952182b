import type { RoutingInput } from '@lessllm/shared';
import { asArray, asRecord, asString, isRecord } from '../common/json';
import { positiveInt } from '../common/routing-text';
import { openaiPromptCacheHints } from '../openai-chat/analysis';
import { MARK_MESSAGE, type PromptSink } from '../prompt/prompt-sink.port';
import type { AnalysisFacet, Json } from '../wire-format';

function promptTexts(body: Json): string[] {
  const prompt = body.prompt;
  if (typeof prompt === 'string') return [prompt];
  return asArray(prompt).filter((p): p is string => typeof p === 'string');
}

/** A legacy completion: its prompt is the user's text; no message overheads (there are no messages). */
export const completionsAnalysis: AnalysisFacet = {
  routingInput(body): RoutingInput {
    const b = isRecord(body) ? body : {};
    return {
      messages: promptTexts(b).map((text) => ({ role: 'user', text })),
      tools: false,
      jsonOutput: false,
      maxTokens: positiveInt(b.max_tokens),
    };
  },
  wantsJson: () => false,
  renderPrompt(sink: PromptSink, body: Json) {
    const prompt = body.prompt;
    if (Array.isArray(prompt) && prompt.length > 0 && typeof prompt[0] === 'number')
      sink.marker(prompt.length, MARK_MESSAGE);
    else if (Array.isArray(prompt) && Array.isArray(prompt[0]))
      for (const ids of prompt as unknown[][]) sink.marker(ids.length, MARK_MESSAGE);
    else for (const text of promptTexts(body)) sink.text(text);
    if (typeof body.suffix === 'string') sink.text(body.suffix);
    sink.endBlock('messages', null);
  },
  outputTexts: (body) => asArray(body.choices).map((c) => asString(asRecord(c)?.text) ?? ''),
  promptCacheHints: openaiPromptCacheHints,
};
