import type { ProviderAdapter, ProviderConfig, UpstreamOperation } from '@lessllm/shared';
import { DEFAULT_BASE_URLS } from '@lessllm/shared';
import { joinUrl } from '../url';

/**
 * Gemini through Google's OpenAI-compatible endpoint (…/v1beta/openai/): one wire format fewer to
 * translate, and streams/tools/usage come back in Chat Completions shape. Cached-token counts are not
 * guaranteed on this route (providers.md §5.4); the native API would be needed for exact cache accounting.
 */
export function createGeminiAdapter(config: ProviderConfig): ProviderAdapter {
  const base = config.base_url ?? DEFAULT_BASE_URLS.gemini!;
  return {
    type: 'gemini',
    wireFormat: 'openai',
    supports: new Set<UpstreamOperation>(['chat', 'embeddings']),
    endpoint(operation, _model, apiKey) {
      return {
        url: joinUrl(base, operation === 'chat' ? 'chat/completions' : 'embeddings'),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...config.headers },
      };
    },
  };
}
