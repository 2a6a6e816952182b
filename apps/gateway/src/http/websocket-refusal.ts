import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

const BODY = JSON.stringify({
  error: {
    message:
      'This gateway does not serve the Responses API over WebSocket. Use HTTP: POST /v1/responses with stream: true (SSE). ' +
      'Codex CLI falls back on its own; for a custom provider set supports_websockets = false to skip the attempt.',
    type: 'invalid_request_error',
    param: null,
    code: 'websocket_not_supported',
  },
});

/**
 * WebSocket upgrades (the openai SDK's ResponsesWS, LangChain `useWebSocket`, Codex) are answered at once with
 * 426 Upgrade Required and a JSON error: Codex falls back to HTTP POST + SSE on exactly that status
 * (openai/codex#43353), and every other client gets a clear reason instead of a hanging socket.
 */
export function refuseWebSocketUpgrades(server: Server): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(
      'HTTP/1.1 426 Upgrade Required\r\n' +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(BODY)}\r\n` +
        'Connection: close\r\n' +
        '\r\n' +
        BODY,
    );
  });
}
