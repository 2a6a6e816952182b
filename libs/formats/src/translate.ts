import type { IRResponse } from './ir/chat';
import { formatNamed } from './registry';
import { TranslationContext, type TranslationTarget } from './translation-context';
import type { Json, WireFormat } from './wire-format';

/** A request of one format as the body of another (through the internal representation). */
export function translateRequest(
  body: Json,
  t: TranslationTarget & { stream?: boolean },
): { body: Json; dropped: string[]; adjusted: string[] } {
  const ctx = new TranslationContext(t);
  const ir = formatNamed(t.source).request.toIR(body, ctx);
  if (t.stream !== undefined) ir.stream = t.stream;
  return { body: formatNamed(t.target).request.fromIR(ir, ctx), dropped: ctx.dropped, adjusted: ctx.adjusted };
}

/** A complete answer of one format as the caller's format. */
export function translateResponse(
  response: Json,
  from: WireFormat,
  to: WireFormat,
  ctx: { request: Json; model: string },
): Json {
  const ir: IRResponse = from.response.toIR(response);
  return to.response.fromIR(ir, ctx);
}
