import { newConnectionTiming } from '../egress';
import type { Embedder } from '../semantic-cache';
import { parseEmbeddingsResponse } from '../semantic-cache';
import type { ModelResolverService } from '../services/model-resolver.service';
import type { UpstreamClientService } from '../services/upstream-client.service';

export interface ProviderEmbedderOptions {
  /** An embeddings model the gateway serves (alias or provider model, e.g. text-embedding-3-small). */
  model: string;
  dimensions: number;
  timeoutMs: number;
}

/**
 * A neural embedder reached through the gateway's own providers: same model resolution, provider keys,
 * egress proxies and connection pools as a caller's `/v1/embeddings` call. One attempt on the first target,
 * no retries: a semantic lookup that cannot embed in time simply misses (fail-open).
 */
export class ProviderEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;

  constructor(
    private readonly resolver: ModelResolverService,
    private readonly upstream: UpstreamClientService,
    private readonly o: ProviderEmbedderOptions,
  ) {
    this.id = `provider:${o.model}:${o.dimensions}`;
    this.dimensions = o.dimensions;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const [target] = this.resolver.resolve(this.o.model, 'embeddings').targets;
    const endpoint = target.adapter.endpoint({
      operation: 'embeddings',
      model: target.upstreamModel,
      apiKey: target.provider.api_key ?? '',
    });
    const body = JSON.stringify({ model: target.upstreamModel, input: texts, encoding_format: 'float' });
    const res = await this.upstream.send(
      target,
      endpoint,
      body,
      AbortSignal.timeout(this.o.timeoutMs),
      newConnectionTiming(),
      'openai-embeddings',
    );
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      // The body is not quoted: provider error bodies may echo parts of the key.
      throw new Error(`embeddings from ${target.providerName} answered HTTP ${res.statusCode}`);
    }
    return parseEmbeddingsResponse(text, texts.length, this.dimensions);
  }
}
