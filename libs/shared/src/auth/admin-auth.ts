import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthConfig } from '../config';
import { GatewayError } from '../errors';

const digest = (value: string) => createHash('sha256').update(value).digest();

function bearer(headers: IncomingHttpHeaders): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization?.trim() ?? '');
  return match ? match[1].trim() : null;
}

/**
 * The admin APIs (analytics, cache administration) take only the admin key. With no `auth` block at all the
 * gateway runs open (development), and so do they; with `auth` but no `admin_key` they are closed.
 */
export function checkAdmin(auth: AuthConfig | undefined, headers: IncomingHttpHeaders, api = 'analytics'): void {
  if (!auth) return;
  if (!auth.admin_key) {
    throw new GatewayError(
      'permission',
      `The ${api} API is disabled: set auth.admin_key in lessllm.yaml.`,
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
      `Wrong admin key: the ${api} API takes only auth.admin_key (caller keys are not accepted here).`,
      null,
      'admin_key_required',
    );
  }
}
