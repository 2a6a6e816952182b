import type { ProviderAdapter, ProviderConfig, UpstreamEndpoint, UpstreamOperation } from '@lessllm/shared';
import { DEFAULT_BASE_URLS } from '@lessllm/shared';
import { joinUrl } from '../url';

const PATHS: Record<UpstreamOperation, string> = { chat: 'chat/completions', embeddings: 'embeddings' };

/** Any OpenAI-compatible API: OpenAI, DeepSeek, Qwen compatible mode, vLLM, Ollama, OpenRouter, ... */
export function createOpenAIAdapter(config: ProviderConfig): ProviderAdapter {
  const base = config.base_url ?? DEFAULT_BASE_URLS.openai!;
  return {
    type: 'openai',
    wireFormat: 'openai',
    supports: new Set<UpstreamOperation>(['chat', 'embeddings']),
    endpoint(operation, _model, apiKey): UpstreamEndpoint {
      return {
        url: joinUrl(base, PATHS[operation]),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...config.headers },
      };
    },
  };
}
