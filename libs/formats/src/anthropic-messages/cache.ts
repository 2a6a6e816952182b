import {
  canonicalMessage,
  isJsonObject as isRecord,
  loneText,
  meaningfulFields,
  splitMessages,
} from '../common/canonical';
import type { CacheFacet, Json } from '../wire-format';

const IGNORED = ['model', 'stream', 'metadata'];
const DEFAULTS: Json = { temperature: 1 };

export function canonicalMessagesRequest(body: Json): Json {
  const req = meaningfulFields(body, IGNORED, DEFAULTS);
  if (Array.isArray(req.messages)) req.messages = req.messages.map((m) => canonicalMessage(m));
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

export const messagesCache: CacheFacet = {
  canonical: canonicalMessagesRequest,
  deterministic: (body) => body.temperature === 0,
  semanticView: (body) => splitMessages(canonicalMessagesRequest(body)),
};
