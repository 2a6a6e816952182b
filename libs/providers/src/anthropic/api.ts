import type { EndpointRequest, ProviderAdapter, ProviderConfig, UpstreamOperation } from '@lessllm/shared';
import { DEFAULT_BASE_URLS } from '@lessllm/shared';
import { DEFAULT_RETRYABLE_STATUS } from '../retryable';
import { joinUrl } from '../url';
import { anthropicCallerHeaders } from './caller-headers';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Anthropic's native Messages API (prompt caching and exact usage need it; the OpenAI-compat route loses both). */
export function createAnthropicAdapter(config: ProviderConfig): ProviderAdapter {
  const root = (config.base_url ?? DEFAULT_BASE_URLS.anthropic!).replace(/\/v1\/?$/, '');
  const messages = joinUrl(root, 'v1/messages');
  const countTokens = joinUrl(root, 'v1/messages/count_tokens');
  return {
    type: 'anthropic',
    chatFormats: ['anthropic-messages'],
    supports: new Set<UpstreamOperation>(['chat', 'count_tokens']),
    retryableStatus: DEFAULT_RETRYABLE_STATUS,
    modelFamily: /^claude-/,
    endpoint(request: EndpointRequest) {
      const url = request.operation === 'count_tokens' ? countTokens : messages;
      // The beta client posts to `?beta=true` (anthropic-2026.md §1); no other caller query reaches the provider.
      const beta = request.query ? new URLSearchParams(request.query).get('beta') : null;
      return {
        url: beta ? `${url}?beta=${encodeURIComponent(beta)}` : url,
        headers: {
          'content-type': 'application/json',
          'x-api-key': request.apiKey,
          'anthropic-version': ANTHROPIC_VERSION,
          ...config.headers,
          ...anthropicCallerHeaders(request.callerHeaders, config.headers),
        },
      };
    },
  };
}
