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
  const chatFormats = openaiChatFormats(config, official);
  const operations: UpstreamOperation[] = ['chat', 'embeddings'];
  // A Responses provider counts input tokens itself (POST /responses/input_tokens).
  if (chatFormats.includes('openai-responses')) operations.push('count_tokens');
  return {
    type: 'openai',
    chatFormats,
    supports: new Set(operations),
    retryableStatus: DEFAULT_RETRYABLE_STATUS,
    modelFamily: /^(gpt-|chatgpt-|o\d|text-embedding-|davinci|babbage)/,
    endpoint(request: EndpointRequest): UpstreamEndpoint {
      return {
        url: joinUrl(base, pathOf(request)),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${request.apiKey}`, ...config.headers },
      };
    },
  };
}

function pathOf(request: EndpointRequest): string {
  if (request.operation === 'embeddings') return 'embeddings';
  if (request.operation === 'count_tokens') return 'responses/input_tokens';
  return OPENAI_CHAT_PATHS[request.format ?? 'openai-chat']!;
}
