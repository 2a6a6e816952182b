import { formatOfPath } from '@lessllm/formats';
import type { GatewayError } from '@lessllm/shared';

/** A gateway error in the API format of the route it happened on. */
export function errorBodyForPath(url: string, err: GatewayError, requestId: string): Record<string, unknown> {
  return formatOfPath(url).errors.fromGateway(err, requestId);
}
