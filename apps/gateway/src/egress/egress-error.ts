import { maskUrl, scrubSecrets } from '@lessllm/shared';

/** The connection stage that failed. */
export type EgressStage = 'dns' | 'connect' | 'proxy_connect' | 'proxy_auth' | 'proxy_tunnel' | 'tls' | 'timeout';

export interface EgressErrorInit {
  stage: EgressStage;
  /** The proxy URL as configured (masked here), or null for a direct connection. */
  proxy: string | null;
  /** host:port of the upstream. */
  target: string;
  /** What happened, e.g. "authentication rejected (407)". */
  detail: string;
  /** What to check. */
  hint: string;
  cause?: unknown;
}

/** The password of a proxy URL, raw and URL-decoded, so it can be scrubbed from any text. */
function proxySecrets(proxy: string | null): string[] {
  if (!proxy) return [];
  try {
    const { password } = new URL(proxy);
    if (!password) return [];
    let decoded = password;
    try {
      decoded = decodeURIComponent(password);
    } catch {
      // Malformed escape: the raw form is all there is.
    }
    return [password, decoded];
  } catch {
    return [];
  }
}

export function routeLabel(proxy: string | null, target: string): string {
  return proxy === null ? `direct connection to ${target}` : `proxy ${proxy}`;
}

/** A failed upstream connection, naming the route, the stage and what to check. Never carries a proxy password. */
export class EgressError extends Error {
  override readonly name = 'EgressError';
  /** Stable code so callers can recognise it without instanceof (e.g. across bundled copies). */
  readonly code = 'LESSLLM_EGRESS';
  readonly stage: EgressStage;
  /** Masked proxy URL, or null for direct. */
  readonly proxy: string | null;
  readonly target: string;
  readonly detail: string;
  readonly hint: string;
  /** Each route tried, in order, when more than one was (empty for a single attempt). */
  readonly attempts: EgressError[];

  constructor(init: EgressErrorInit, attempts: EgressError[] = [], message?: string) {
    const secrets = proxySecrets(init.proxy);
    const proxy = init.proxy === null ? null : scrubSecrets(maskUrl(init.proxy), secrets);
    const detail = scrubSecrets(init.detail, secrets);
    const hint = scrubSecrets(init.hint, secrets);
    super(message ?? `${routeLabel(proxy, init.target)}: ${detail} — ${hint}`, { cause: init.cause });
    this.stage = init.stage;
    this.proxy = proxy;
    this.target = init.target;
    this.detail = detail;
    this.hint = hint;
    this.attempts = attempts;
  }

  /** One error for a route whose every attempt failed; stage/proxy are the last attempt's. */
  static allFailed(target: string, attempts: EgressError[], directAllowed: boolean): EgressError {
    if (attempts.length === 1 && directAllowed) return attempts[0];
    const last = attempts[attempts.length - 1];
    const note = directAllowed ? '' : ' (direct connection not tried: proxy.allow_direct is false)';
    const list = attempts.map((a, i) => `${i + 1}) [${a.stage}] ${a.message}`).join('; ');
    const detail = `all ${attempts.length} egress route${attempts.length === 1 ? '' : 's'} failed${note}`;
    return new EgressError(
      { stage: last.stage, proxy: last.proxy, target, detail, hint: last.hint, cause: last },
      attempts,
      `egress to ${target}: ${detail}: ${list}`,
    );
  }
}
