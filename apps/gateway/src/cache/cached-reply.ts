import type { FastifyReply } from 'fastify';
import { startEventStream, writeFrames, writeJson } from '../http/caller-response';
import type { CallContext } from '../services/call-context';
import type { CachedAnswer } from './cache-entry';

/**
 * Sends a cached answer the way the caller asked for it: JSON, or re-streamed as the caller format's SSE
 * frames. Fresh request id; provider and model of the original answer; `x-lessllm-cache: hit` (or
 * `semantic-hit` for an answer found by the semantic cache).
 */
export async function sendCachedAnswer(
  ctx: CallContext,
  reply: FastifyReply,
  entry: CachedAnswer,
  includeUsage: boolean,
  status: 'hit' | 'semantic-hit',
  request: Record<string, unknown>,
): Promise<void> {
  const headers = {
    'x-request-id': ctx.requestId,
    'x-lessllm-provider': entry.provider,
    'x-lessllm-model': entry.model,
    'x-lessllm-cache': status,
    ...(ctx.route ? { 'x-lessllm-tier': ctx.route.tier } : {}),
  };
  reply.hijack();
  const raw = reply.raw;
  if (!ctx.isStreaming) {
    writeJson(raw, 200, headers, JSON.stringify(entry.response));
    return;
  }
  startEventStream(raw, headers);
  const response = entry.response as Record<string, unknown>;
  await writeFrames(raw, ctx.format!.stream.replay(response, { includeUsage, request }));
  if (!raw.destroyed) raw.end();
}
