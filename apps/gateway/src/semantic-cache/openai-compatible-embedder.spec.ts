import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAICompatibleEmbedder } from './openai-compatible-embedder';

interface Seen {
  url?: string;
  method?: string;
  headers?: IncomingHttpHeaders;
  body?: any;
}

describe('OpenAICompatibleEmbedder', () => {
  const seen: Seen = {};
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        Object.assign(seen, { url: req.url, method: req.method, headers: req.headers, body: JSON.parse(raw) });
        if (req.headers.authorization !== 'Bearer sk-test') {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"bad key"}}');
          return;
        }
        const inputs = seen.body.input as string[];
        // answer out of order, as the API allows: items carry their index
        const data = inputs
          .map((_t, i) => ({ object: 'embedding', index: i, embedding: [i + 1, 0, 0, 2 * (i + 1)] }))
          .reverse();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            data,
            model: seen.body.model,
            usage: { prompt_tokens: 3, total_tokens: 3 },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('POSTs {model, input} to <base>/embeddings with a bearer key and returns normalised vectors in order', async () => {
    const e = new OpenAICompatibleEmbedder({
      baseUrl,
      apiKey: 'sk-test',
      model: 'text-embedding-3-small',
      dimensions: 4,
    });
    const [a, b] = await e.embed(['hello', 'world']);
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/v1/embeddings');
    expect(seen.headers?.['content-type']).toBe('application/json');
    expect(seen.body).toEqual({ model: 'text-embedding-3-small', input: ['hello', 'world'], encoding_format: 'float' });
    expect(Array.from(a).map((x) => +x.toFixed(4))).toEqual([0.4472, 0, 0, 0.8944]);
    expect(Array.from(b).map((x) => +x.toFixed(4))).toEqual([0.4472, 0, 0, 0.8944]);
    expect(e.id).toBe('openai:text-embedding-3-small:4');
  });

  it('sends dimensions when asked, and rejects on HTTP errors and dimension mismatches', async () => {
    const e = new OpenAICompatibleEmbedder({
      baseUrl,
      apiKey: 'sk-test',
      model: 'm',
      dimensions: 4,
      sendDimensions: true,
    });
    await e.embed(['x']);
    expect(seen.body.dimensions).toBe(4);
    const bad = new OpenAICompatibleEmbedder({ baseUrl, apiKey: 'nope', model: 'm', dimensions: 4 });
    await expect(bad.embed(['x'])).rejects.toThrow(/HTTP 401/);
    const wrongDims = new OpenAICompatibleEmbedder({ baseUrl, apiKey: 'sk-test', model: 'm', dimensions: 8 });
    await expect(wrongDims.embed(['x'])).rejects.toThrow(/expected 8 dimensions/);
  });
});
