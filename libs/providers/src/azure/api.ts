import type { ProviderAdapter, ProviderConfig, UpstreamOperation } from '@lessllm/shared';
import { joinUrl } from '../url';

/**
 * Azure OpenAI. With `api_version`: the classic deployment URLs
 * (/openai/deployments/{deployment}/chat/completions?api-version=…). Without it: the v1 API,
 * base_url …/openai/v1 and the deployment name as `model`. Auth is the `api-key` header.
 */
export function createAzureAdapter(config: ProviderConfig): ProviderAdapter {
  const base = config.base_url!;
  const deploymentOf = (model: string) => config.deployments?.[model] ?? model;
  return {
    type: 'azure',
    wireFormat: 'openai',
    supports: new Set<UpstreamOperation>(['chat', 'embeddings']),
    endpoint(operation, model, apiKey) {
      const path = operation === 'chat' ? 'chat/completions' : 'embeddings';
      const headers = { 'content-type': 'application/json', 'api-key': apiKey, ...config.headers };
      if (!config.api_version) return { url: joinUrl(base, path), headers };
      const root = base.replace(/\/openai\/?$/, '');
      const deployment = encodeURIComponent(deploymentOf(model));
      const url = `${joinUrl(root, `openai/deployments/${deployment}/${path}`)}?api-version=${encodeURIComponent(config.api_version)}`;
      return { url, headers };
    },
  };
}

/** Azure's v1 API takes the deployment name as `model`; the classic API ignores the body's model. */
export function azureUpstreamModel(config: ProviderConfig, model: string): string {
  return config.deployments?.[model] ?? model;
}
