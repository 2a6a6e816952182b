import type { ProviderConfig, ProviderType } from '../config/config.schema';
import type { ApiFormat } from '../events/call-event';

/** Where and how to send one upstream request. */
export interface UpstreamEndpoint {
  url: string;
  headers: Record<string, string>;
}

export type UpstreamOperation = 'chat' | 'embeddings';

/**
 * A provider kind: which wire format it speaks and how to address it. Translation between
 * wire formats lives in @lessllm/providers; adapters only know URLs, auth and capabilities.
 */
export interface ProviderAdapter {
  readonly type: ProviderType;
  /** 'openai' = Chat Completions wire format, 'anthropic' = Messages wire format. */
  readonly wireFormat: ApiFormat;
  readonly supports: ReadonlySet<UpstreamOperation>;
  endpoint(operation: UpstreamOperation, model: string, apiKey: string): UpstreamEndpoint;
}

export type ProviderAdapterFactory = (config: ProviderConfig) => ProviderAdapter;
