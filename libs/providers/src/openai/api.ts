import type {
  EndpointRequest,
  ProviderAdapter,
  ProviderConfig,
  UpstreamEndpoint,
  UpstreamOperation,
} from '@lessllm/shared';
import { DEFAULT_BASE_URLS } from '@lessllm/shared';
import { OPENAI_CHAT_PATHS, openaiChatFormats } from '../openai-apis';
import { DEFAULT_RETRYABLE_STATUS } from '../retryable';
import { joinUrl } from '../url';

/** Any OpenAI-compatible API: OpenAI, DeepSeek, Qwen compatible mode, vLLM, Ollama, OpenRouter, ... */
export function createOpenAIAdapter(config: ProviderConfig): ProviderAdapter {
  const base = config.base_url ?? DEFAULT_BASE_URLS.openai!;
  const official = /^https:\/\/api\.openai\.com(\/|$)/.test(base);
  return {
    type: 'openai',
    chatFormats: openaiChatFormats(config, official),
    supports: new Set<UpstreamOperation>(['chat', 'embeddings']),
    retryableStatus: DEFAULT_RETRYABLE_STATUS,
    modelFamily: /^(gpt-|chatgpt-|o\d|text-embedding-|davinci|babbage)/,
    endpoint(request: EndpointRequest): UpstreamEndpoint {
      const path =
        request.operation === 'embeddings' ? 'embeddings' : OPENAI_CHAT_PATHS[request.format ?? 'openai-chat']!;
      return {
        url: joinUrl(base, path),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${request.apiKey}`, ...config.headers },
      };
    },
  };
}
