import { connect } from 'node:net';

/**
 * HTTP/1.1 framing tricks sent on a raw socket: what request smugglers, broken proxies and half-written clients
 * send. Each returns the status line the gateway answered with ('' when it only closed the socket).
 */
export const FRAMING_TRICKS: Array<{ name: string; bytes: (body: string) => string }> = [
  {
    name: 'content-length and transfer-encoding both (smuggling)',
    bytes: (b) =>
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n${b.length.toString(16)}\r\n${b}\r\n0\r\n\r\n`,
  },
  {
    name: 'two different content-lengths',
    bytes: (b) =>
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${b.length}\r\ncontent-length: 3\r\n\r\n${b}`,
  },
  {
    name: 'chunk size that lies',
    bytes: (b) =>
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nffff\r\n${b}\r\n0\r\n\r\n`,
  },
  {
    name: 'invalid chunk size',
    bytes: (b) =>
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n${b}\r\n0\r\n\r\n`,
  },
  {
    name: 'body longer than content-length, a second request behind it',
    bytes: (b) =>
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${b.length}\r\n\r\n${b}GET /health/live HTTP/1.1\r\nhost: x\r\n\r\n`,
  },
  { name: 'a header line with no colon', bytes: (b) => `POST /v1/chat/completions HTTP/1.1\r\nhost x\r\n\r\n${b}` },
  {
    name: 'a 64 KB header',
    bytes: (b) =>
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(65_536)}\r\ncontent-length: ${b.length}\r\n\r\n${b}`,
  },
  {
    name: 'a bare LF request',
    bytes: (b) =>
      `POST /v1/chat/completions HTTP/1.1\nhost: x\ncontent-type: application/json\ncontent-length: ${b.length}\n\n${b}`,
  },
  { name: 'HTTP/0.9-style request', bytes: () => 'GET /v1/models\r\n\r\n' },
  {
    name: 'HTTP/1.0 without host',
    bytes: (b) => `POST /v1/chat/completions HTTP/1.0\r\ncontent-length: ${b.length}\r\n\r\n${b}`,
  },
  { name: 'garbage method', bytes: () => 'FOO\u0000 / HTTP/1.1\r\n\r\n' },
  {
    name: 'absolute-form target',
    bytes: (b) =>
      `POST http://evil.example/v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${b.length}\r\n\r\n${b}`,
  },
  { name: 'path traversal', bytes: () => 'GET /../../etc/passwd HTTP/1.1\r\nhost: x\r\n\r\n' },
  {
    name: 'expect: 100-continue then nothing',
    bytes: () => 'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 10\r\n\r\n',
  },
  {
    name: 'gzip content-encoding on a plain body',
    bytes: (b) =>
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: ${b.length}\r\n\r\n${b}`,
  },
];

/** Sends raw bytes and resolves with every status line the gateway answered before closing or `ms` elapsed. */
export function sendRaw(port: number, bytes: string, ms: number): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve([...data.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => m[1]));
    };
    const timer = setTimeout(finish, ms);
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(bytes);
  });
}
