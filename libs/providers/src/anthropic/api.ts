import type { ProviderAdapter, ProviderConfig, UpstreamOperation } from '@lessllm/shared';
import { DEFAULT_BASE_URLS } from '@lessllm/shared';
import { joinUrl } from '../url';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Anthropic's native Messages API (prompt caching and exact usage need it; the OpenAI-compat route loses both). */
export function createAnthropicAdapter(config: ProviderConfig): ProviderAdapter {
  const base = config.base_url ?? DEFAULT_BASE_URLS.anthropic!;
  const url = joinUrl(base.replace(/\/v1\/?$/, ''), 'v1/messages');
  return {
    type: 'anthropic',
    wireFormat: 'anthropic',
    supports: new Set<UpstreamOperation>(['chat']),
    endpoint(_operation, _model, apiKey) {
      return {
        url,
        headers: {
          'content-type': 'application/json',
          'x-api-key': apiKey,
          'anthropic-version': ANTHROPIC_VERSION,
          ...config.headers,
        },
      };
    },
  };
}
