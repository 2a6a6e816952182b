import type { OpenAIChatRequest } from '@lessllm/shared';
import { randomUUID } from 'node:crypto';
import { type Behaviour, behaviourOf } from '../shared/behaviour';
import type { FakeRequest } from '../shared/server';
import { SseWriter, type SseWriterOptions } from '../shared/sse-writer';
import { isRecord } from '../shared/text';
import { buildChatReply, validateChatRequest } from './chat-reply';
import { type ChunkMeta, completionBody, streamChunks } from './chat-response';
import { applyFailureBehaviour } from './failures';
import { fastCompletion, fastStream, fastStreamWithUsage } from './fast';
import type { OpenAIFakeState } from './options';
import { ERRORS, type Headers, openaiError, openaiHeaders, sendError, sendJson, sendJsonText } from './respond';

const MIDWAY_ERROR = JSON.stringify(openaiError('upstream exploded', 'server_error'));

const chatId = (): string => `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
const now = (): number => Math.floor(Date.now() / 1000);

function includeUsage(request: OpenAIChatRequest): boolean {
  return isRecord(request.stream_options) && request.stream_options.include_usage === true;
}

/** Model `fast`: precomputed bytes, no validation beyond the model name. */
function answerFast(fake: FakeRequest, state: OpenAIFakeState, body: Record<string, unknown>): void {
  const headers = openaiHeaders(fake, state);
  if (body.stream !== true) {
    sendJsonText(fake, 200, headers, fastCompletion(chatId(), now()));
    return;
  }
  const usage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  headers['content-type'] = 'text/event-stream; charset=utf-8';
  headers['cache-control'] = 'no-cache';
  fake.res.writeHead(200, headers);
  fake.res.end((usage ? fastStreamWithUsage : fastStream)(chatId(), now()));
}

/**
 * `POST /v1/chat/completions` (also Azure deployments and Gemini's OpenAI-compatible path).
 * `deployment` (Azure) selects the behaviour instead of the body's model.
 */
export async function handleChat(fake: FakeRequest, state: OpenAIFakeState, deployment?: string): Promise<void> {
  const raw = fake.body;
  const selector: unknown = deployment ?? (isRecord(raw) ? raw.model : undefined);
  if (isRecord(raw) && typeof selector === 'string' && behaviourOf(selector) === 'fast') {
    return answerFast(fake, state, raw);
  }
  if (fake.bodyInvalid) return sendError(fake, state, 400, ERRORS.invalidJson);
  if (deployment && isRecord(raw) && raw.model === undefined) raw.model = deployment;
  const validation = validateChatRequest(raw);
  if (!validation.ok) return sendError(fake, state, 400, validation.error);
  const request = validation.request;

  const behaviour = behaviourOf(deployment ?? request.model);
  if (await applyFailureBehaviour(fake, state, behaviour, request.model)) return;

  const reply = buildChatReply(request, behaviour, `call_${++state.callCounter}`);
  const meta: ChunkMeta = { id: chatId(), created: now(), model: request.model };
  if (request.stream !== true) return sendJson(fake, state, 200, completionBody(reply, meta));

  const withUsage = includeUsage(request);
  const chunks = streamChunks(reply, meta, withUsage).map((c) => JSON.stringify(c));
  // Cut (for the error/disconnect models) after the role chunk and two content chunks, never past the finish chunk.
  const cutAt = Math.min(3, chunks.length - (withUsage ? 2 : 1));
  await streamChat(fake, openaiHeaders(fake, state), chunks, cutAt, behaviour, state);
}

function writerOptions(behaviour: Behaviour, state: OpenAIFakeState): SseWriterOptions {
  switch (behaviour) {
    case 'stream-odd-splits':
      return { oddSplits: true, seed: state.oddSplitSeed };
    case 'stream-keepalive':
      return { crlf: true, comment: 'keep-alive' };
    case 'stream-slow':
      return { delayMs: state.chunkDelayMs };
    default:
      return {};
  }
}

async function streamChat(
  fake: FakeRequest,
  headers: Headers,
  chunks: string[],
  cutAt: number,
  behaviour: Behaviour,
  state: OpenAIFakeState,
): Promise<void> {
  const writer = new SseWriter(fake.res, fake.signal, writerOptions(behaviour, state));
  writer.open(headers);
  for (let i = 0; i < chunks.length; i++) {
    if (behaviour === 'stream-first-error' || (behaviour === 'stream-error-midway' && i === cutAt)) {
      await writer.send(MIDWAY_ERROR);
      return writer.end();
    }
    if (behaviour === 'stream-disconnect' && i === cutAt) return writer.destroy();
    if (!(await writer.send(chunks[i]))) return;
  }
  if (await writer.send('[DONE]')) writer.end();
}
