import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderConfig, ProviderType } from '../config/config.schema';
import type { WireFormatName } from '../events/call-event';

/** Where and how to send one upstream request. */
export interface UpstreamEndpoint {
  url: string;
  headers: Record<string, string>;
}

/** What a provider can be asked to do: chat (in one of its formats), embeddings, token counting. */
export type UpstreamOperation = 'chat' | 'embeddings' | 'count_tokens';

export interface EndpointRequest {
  operation: UpstreamOperation;
  /** For chat: the wire format the upstream is spoken to in. */
  format?: WireFormatName;
  model: string;
  apiKey: string;
  /** The caller's headers when the caller speaks the upstream's own format (headers worth passing on, e.g. betas). */
  callerHeaders?: IncomingHttpHeaders;
  /** The caller's query string (e.g. Anthropic's `beta=true`), for same-format calls. */
  query?: string;
}

/**
 * A provider kind: only what differs between providers. Which chat formats it serves (the first is the one other
 * formats are translated to), which operations, how to address and authenticate, which statuses are worth retrying,
 * which model names it owns when no config file lists them. Translation lives in @lessllm/formats.
 */
export interface ProviderAdapter {
  readonly type: ProviderType;
  readonly chatFormats: readonly WireFormatName[];
  readonly supports: ReadonlySet<UpstreamOperation>;
  readonly retryableStatus: ReadonlySet<number>;
  /** Model names routed to this kind when the gateway runs without a config file. */
  readonly modelFamily?: RegExp;
  endpoint(request: EndpointRequest): UpstreamEndpoint;
}

export type ProviderAdapterFactory = (config: ProviderConfig) => ProviderAdapter;

/** The format a caller's chat request is sent upstream in: the caller's own when the provider serves it. */
export function upstreamFormatFor(adapter: ProviderAdapter, callerFormat: WireFormatName): WireFormatName {
  return adapter.chatFormats.includes(callerFormat) ? callerFormat : adapter.chatFormats[0];
}
