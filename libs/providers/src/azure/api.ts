import type { EndpointRequest, ProviderAdapter, ProviderConfig, UpstreamOperation } from '@lessllm/shared';
import { OPENAI_CHAT_PATHS, openaiChatFormats } from '../openai-apis';
import { DEFAULT_RETRYABLE_STATUS } from '../retryable';
import { joinUrl } from '../url';

/**
 * Azure OpenAI. With `api_version`: the classic deployment URLs
 * (/openai/deployments/{deployment}/chat/completions?api-version=…; Responses at /openai/responses?api-version=…).
 * Without it: the v1 API, base_url …/openai/v1 and the deployment name as `model`. Auth is the `api-key` header.
 */
export function createAzureAdapter(config: ProviderConfig): ProviderAdapter {
  const base = config.base_url!;
  const deploymentOf = (model: string) => config.deployments?.[model] ?? model;
  return {
    type: 'azure',
    chatFormats: openaiChatFormats(config, false),
    supports: new Set<UpstreamOperation>(['chat', 'embeddings']),
    retryableStatus: DEFAULT_RETRYABLE_STATUS,
    endpoint(request: EndpointRequest) {
      const path =
        request.operation === 'embeddings' ? 'embeddings' : OPENAI_CHAT_PATHS[request.format ?? 'openai-chat']!;
      const headers = { 'content-type': 'application/json', 'api-key': request.apiKey, ...config.headers };
      if (!config.api_version) return { url: joinUrl(base, path), headers };
      const root = base.replace(/\/openai\/?$/, '');
      const version = `api-version=${encodeURIComponent(config.api_version)}`;
      // The classic Responses API is not per deployment: the deployment is the body's `model`.
      if (request.format === 'openai-responses')
        return { url: `${joinUrl(root, 'openai/responses')}?${version}`, headers };
      const deployment = encodeURIComponent(deploymentOf(request.model));
      return { url: `${joinUrl(root, `openai/deployments/${deployment}/${path}`)}?${version}`, headers };
    },
  };
}

/** Azure's v1 API takes the deployment name as `model`; the classic API ignores the body's model. */
export function azureUpstreamModel(config: ProviderConfig, model: string): string {
  return config.deployments?.[model] ?? model;
}
