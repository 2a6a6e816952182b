import { GatewayError } from '@lessllm/shared';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';

/** Who is calling: their tenant, and (bring-your-own-key mode) the provider key they brought. */
export interface Caller {
  tenant: string | null;
  keyName: string | null;
  /** Forwarded upstream instead of the configured provider key; never stored or logged. */
  providerKey: string | null;
}

const OPEN_CALLER: Caller = { tenant: null, keyName: null, providerKey: null };

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Reads the key the way each SDK sends it: `Authorization: Bearer` (OpenAI) or `x-api-key` (Anthropic). */
export function presentedKey(headers: IncomingHttpHeaders): string | null {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey;
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (match) return match[1].trim();
  }
  return null;
}

@Injectable()
export class CallerAuthService {
  /** sha256(key) -> caller; hashing keeps raw keys out of long-lived maps and heap dumps. */
  private readonly keys = new Map<string, { tenant: string; name: string | null }>();
  private readonly open: boolean;
  private readonly byok: boolean;

  constructor(@Inject(GATEWAY_CONFIG) loaded: GatewayConfig) {
    const auth = loaded.config.auth;
    this.open = !auth || (auth.keys.length === 0 && !auth.bring_your_own_key);
    this.byok = auth?.bring_your_own_key ?? false;
    for (const entry of auth?.keys ?? [])
      this.keys.set(sha256(entry.key), { tenant: entry.tenant, name: entry.name ?? null });
  }

  get isOpen(): boolean {
    return this.open;
  }

  authenticate(headers: IncomingHttpHeaders): Caller {
    if (this.open) return OPEN_CALLER;
    const key = presentedKey(headers);
    if (!key) {
      throw new GatewayError(
        'authentication',
        'Missing API key. Send your LessLLM key as `Authorization: Bearer <key>` (OpenAI SDK) or `x-api-key: <key>` (Anthropic SDK).',
        null,
        'missing_api_key',
      );
    }
    const known = this.keys.get(sha256(key));
    if (known) {
      const brought = headers['x-provider-api-key'];
      return {
        tenant: known.tenant,
        keyName: known.name,
        providerKey: this.byok && typeof brought === 'string' ? brought : null,
      };
    }
    // Bring-your-own-key without gateway keys: the SDK's key is the provider key; the tenant is a digest of it.
    if (this.byok && this.keys.size === 0)
      return { tenant: `byok-${sha256(key).slice(0, 16)}`, keyName: null, providerKey: key };
    throw new GatewayError(
      'authentication',
      'Incorrect API key provided. Check the key your LessLLM administrator gave you.',
      null,
      'invalid_api_key',
    );
  }
}
