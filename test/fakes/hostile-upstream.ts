import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible upstream that misbehaves on purpose (for the hardening tests): the model name picks what it
 * does, a size in MB may follow an `@` (`big-stream@40`). It counts what it managed to write per upstream model
 * name, so a test can tell "the gateway stopped reading" (backpressure) from "the gateway buffered it all".
 *
 * - `big-stream`: ~N MB of 1 KB content deltas, written as fast as the socket takes them, then [DONE];
 * - `huge-event`: one SSE event carrying N MB of content, then [DONE];
 * - `huge-json`: a non-streamed answer of N MB;
 * - `deep-json`: a non-streamed answer nested 10,000 levels deep;
 * - `stall-after-headers`: 200 and headers, then nothing (the body never comes);
 * - `endless-stream`: a small delta every 50 ms until the gateway hangs up;
 * - anything else: a small normal answer (streamed or not as asked).
 */
export interface HostileUpstream {
  url: string;
  /** Bytes written so far to the responses of each upstream model name (`big-stream@40`). */
  written: Map<string, number>;
  /** Requests whose response the gateway closed before it ended. */
  closedEarly: number;
  stop(): Promise<void>;
}

const chunk = (content: string, model: string): string =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-hostile',
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  })}\n\n`;

const finish = (model: string): string =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-hostile',
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
  })}\n\ndata: [DONE]\n\n`;

const completion = (content: string, model: string): string =>
  JSON.stringify({
    id: 'chatcmpl-hostile',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
  });

export async function startHostileUpstream(): Promise<HostileUpstream> {
  const written = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();
  const state = { closedEarly: 0 };

  async function write(res: ServerResponse, id: string, data: string): Promise<boolean> {
    if (res.destroyed) return false;
    const ok = res.write(data);
    written.set(id, (written.get(id) ?? 0) + Buffer.byteLength(data));
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done).off('close', done);
          resolve();
        };
        res.on('drain', done).on('close', done);
      });
    }
    return !res.destroyed;
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => void respond());
    const respond = async (): Promise<void> => {
      const body = JSON.parse(raw || '{}') as { model?: string; stream?: boolean };
      const id = String(body.model ?? '');
      const [model, size] = id.split('@');
      const mb = Number(size ?? 1);
      res.on('close', () => {
        if (!res.writableFinished) state.closedEarly++;
      });
      if (model === 'stall-after-headers') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        return; // never a body
      }
      if (model === 'huge-json') {
        const text = completion('h'.repeat(mb * 1024 * 1024), model);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        await write(res, id, text);
        res.end();
        return;
      }
      if (model === 'deep-json') {
        const text = `{"id":"x","object":"chat.completion","model":"deep-json","choices":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text);
        return;
      }
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(completion('ok', model));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (model === 'huge-event') {
        if (!(await write(res, id, chunk('e'.repeat(mb * 1024 * 1024), model)))) return;
      } else if (model === 'endless-stream') {
        for (;;) {
          if (!(await write(res, id, chunk('tick ', model)))) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } else if (model === 'big-stream') {
        const delta = 'b'.repeat(1024);
        for (let i = 0; i < mb * 1024; i++) if (!(await write(res, id, chunk(delta, model)))) return;
      } else if (!(await write(res, id, chunk('ok', model)))) return;
      await write(res, id, finish(model));
      res.end();
    };
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    written,
    get closedEarly() {
      return state.closedEarly;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
