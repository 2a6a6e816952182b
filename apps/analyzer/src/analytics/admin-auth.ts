import type { AuthConfig } from '@lessllm/shared';
import { GatewayError } from '@lessllm/shared';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const digest = (value: string) => createHash('sha256').update(value).digest();

function bearer(headers: IncomingHttpHeaders): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization?.trim() ?? '');
  return match ? match[1].trim() : null;
}

/**
 * The analytics API takes only the admin key. With no `auth` block at all the gateway runs open (development),
 * and so does this API; with `auth` but no `admin_key` it is closed.
 */
export function checkAdmin(auth: AuthConfig | undefined, headers: IncomingHttpHeaders): void {
  if (!auth) return;
  if (!auth.admin_key) {
    throw new GatewayError(
      'permission',
      'The analytics API is disabled: set auth.admin_key in lessllm.yaml.',
      null,
      'admin_key_not_configured',
    );
  }
  const key = bearer(headers);
  if (!key)
    throw new GatewayError(
      'authentication',
      'Send the admin key as `Authorization: Bearer <admin_key>`.',
      null,
      'missing_api_key',
    );
  if (!timingSafeEqual(digest(key), digest(auth.admin_key))) {
    throw new GatewayError(
      'permission',
      'Wrong admin key: the analytics API takes only auth.admin_key (caller keys are not accepted here).',
      null,
      'admin_key_required',
    );
  }
}
