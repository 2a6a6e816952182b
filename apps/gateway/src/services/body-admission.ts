import { assertJsonDepth } from '@lessllm/formats';
import type { TruncatedBodyMarker } from '@lessllm/shared';
import { GatewayError } from '@lessllm/shared';
import { UnparseableJsonBody } from '../http/json-body-parser';
import type { CallContext } from './call-context';

/**
 * The first check on a call's parsed body: JSON that parsed (a 400 naming `body` otherwise), nesting within `limits.json_depth` (a 400 naming the field otherwise),
 * so nothing recursive after it (schemas, translation, JSON.stringify of the record) can overflow the stack.
 * A refused body is recorded as a marker, not as itself.
 */
export function admitJsonBody(ctx: CallContext, body: unknown, maxDepth: number): void {
  if (body instanceof UnparseableJsonBody) {
    ctx.request = refusedMarker(ctx, 'refused: not valid JSON');
    throw GatewayError.invalid('body', `The request body is not valid JSON (${body.reason}).`);
  }
  try {
    assertJsonDepth(body, maxDepth);
  } catch (err) {
    ctx.request = refusedMarker(ctx, `refused: nested deeper than ${maxDepth} levels`);
    throw err;
  }
}

function refusedMarker(ctx: CallContext, reason: string): TruncatedBodyMarker {
  return { lessllm_truncated: true, original_chars: ctx.requestBytes, reason };
}
