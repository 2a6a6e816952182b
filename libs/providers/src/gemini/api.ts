import type { EndpointRequest, ProviderAdapter, ProviderConfig, UpstreamOperation } from '@lessllm/shared';
import { DEFAULT_BASE_URLS } from '@lessllm/shared';
import { DEFAULT_RETRYABLE_STATUS } from '../retryable';
import { joinUrl } from '../url';

/**
 * Gemini through Google's OpenAI-compatible endpoint (…/v1beta/openai/): one wire format fewer to translate, and
 * streams/tools/usage come back in Chat Completions shape. Cached-token counts are not guaranteed on this route
 * (providers.md §5.4); the native API would be needed for exact cache accounting.
 */
export function createGeminiAdapter(config: ProviderConfig): ProviderAdapter {
  const base = config.base_url ?? DEFAULT_BASE_URLS.gemini!;
  return {
    type: 'gemini',
    chatFormats: ['openai-chat'],
    supports: new Set<UpstreamOperation>(['chat', 'embeddings']),
    retryableStatus: DEFAULT_RETRYABLE_STATUS,
    modelFamily: /^gemini-/,
    endpoint(request: EndpointRequest) {
      return {
        url: joinUrl(base, request.operation === 'embeddings' ? 'embeddings' : 'chat/completions'),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${request.apiKey}`, ...config.headers },
      };
    },
  };
}
