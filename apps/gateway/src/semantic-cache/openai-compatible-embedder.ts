import { request, type Dispatcher } from 'undici';
import { l2Normalize, type Embedder } from './embedder';

export interface OpenAICompatibleEmbedderOptions {
  /** e.g. https://api.openai.com/v1 (no trailing /embeddings). */
  baseUrl: string;
  apiKey: string;
  model: string;
  dimensions: number;
  /** Sent as `dimensions` in the body (text-embedding-3-* support shortening); off by default. */
  sendDimensions?: boolean;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

interface EmbeddingsResponse {
  data?: { index?: number; embedding?: unknown }[];
}

/** Embeddings through any OpenAI-compatible `/embeddings` endpoint (OpenAI, Azure-style proxies, the gateway). */
export class OpenAICompatibleEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;

  constructor(private readonly o: OpenAICompatibleEmbedderOptions) {
    this.id = `openai:${o.model}:${o.dimensions}`;
    this.dimensions = o.dimensions;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const body: Record<string, unknown> = { model: this.o.model, input: texts, encoding_format: 'float' };
    if (this.o.sendDimensions) body.dimensions = this.o.dimensions;
    const timeout = this.o.timeoutMs ?? 10_000;
    const res = await request(`${this.o.baseUrl.replace(/\/+$/, '')}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.o.apiKey}` },
      body: JSON.stringify(body),
      headersTimeout: timeout,
      bodyTimeout: timeout,
      dispatcher: this.o.dispatcher,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`embeddings HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    return parseEmbeddingsResponse(text, texts.length, this.dimensions);
  }
}

/** Unit vectors, in input order, from an OpenAI-format embeddings response; throws on any shape mismatch. */
export function parseEmbeddingsResponse(text: string, count: number, dimensions: number): Float32Array[] {
  const parsed = JSON.parse(text) as EmbeddingsResponse;
  const out: Float32Array[] = new Array<Float32Array>(count);
  (parsed.data ?? []).forEach((item, pos) => {
    const idx = typeof item.index === 'number' ? item.index : pos;
    if (!Array.isArray(item.embedding)) throw new Error('embeddings: item without a float array');
    const vec = Float32Array.from(item.embedding as number[]);
    if (vec.length !== dimensions) {
      throw new Error(`embeddings: expected ${dimensions} dimensions, got ${vec.length}`);
    }
    out[idx] = l2Normalize(vec);
  });
  for (let i = 0; i < count; i++) if (!out[i]) throw new Error(`embeddings: missing vector ${i}`);
  return out;
}
