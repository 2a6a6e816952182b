import { meaningfulFields } from '../common/canonical';
import type { CacheFacet, Json } from '../wire-format';
import { COMPLETIONS_DEFAULT_MAX_TOKENS } from './request';

const IGNORED = ['model', 'stream', 'stream_options', 'user'];
const DEFAULTS: Json = {
  temperature: 1,
  top_p: 1,
  n: 1,
  best_of: 1,
  echo: false,
  presence_penalty: 0,
  frequency_penalty: 0,
  max_tokens: COMPLETIONS_DEFAULT_MAX_TOKENS,
};

function canonical(body: Json): Json {
  const req = meaningfulFields(body, IGNORED, DEFAULTS);
  if (Array.isArray(req.prompt) && req.prompt.length === 1 && typeof req.prompt[0] === 'string')
    req.prompt = req.prompt[0];
  if (typeof req.stop === 'string') req.stop = [req.stop];
  return req;
}

export const completionsCache: CacheFacet = {
  canonical,
  deterministic: (body) => body.temperature === 0,
  semanticView(body) {
    const { prompt, ...params } = canonical(body);
    return { messages: typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : [], params };
  },
};
