import type { ProviderConfig, WireFormatName } from '@lessllm/shared';

const API_FORMAT: Record<string, WireFormatName> = {
  chat_completions: 'openai-chat',
  responses: 'openai-responses',
  completions: 'openai-completions',
};

/**
 * The chat formats of an OpenAI-style provider, from `apis:` (preferred first) or the default: OpenAI itself serves
 * all three; other OpenAI-compatible servers are only assumed to serve Chat Completions and legacy Completions.
 */
export function openaiChatFormats(config: ProviderConfig, official: boolean): WireFormatName[] {
  const apis =
    config.apis ?? (official ? ['chat_completions', 'responses', 'completions'] : ['chat_completions', 'completions']);
  return apis.map((api) => API_FORMAT[api]);
}

/** The path of each OpenAI-style chat format under the provider's base URL. */
export const OPENAI_CHAT_PATHS: Partial<Record<WireFormatName, string>> = {
  'openai-chat': 'chat/completions',
  'openai-responses': 'responses',
  'openai-completions': 'completions',
};
