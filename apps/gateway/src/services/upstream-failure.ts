import type { ApiFormat } from '@lessllm/shared';

/** Why an upstream attempt did not produce a usable response. */
export type UpstreamFailureKind = 'status' | 'egress' | 'timeout' | 'stream_error' | 'protocol';

export class UpstreamFailure extends Error {
  constructor(
    readonly kind: UpstreamFailureKind,
    message: string,
    readonly details: {
      providerName: string;
      /** The format the failed request was spoken in. */
      wireFormat: ApiFormat;
      status?: number;
      headers?: Record<string, string | string[] | undefined>;
      /** Upstream error body as text (status failures, first-event stream errors). */
      body?: string;
      retry: boolean;
      fallback: boolean;
      /** Stage for egress/timeout failures: connect, proxy_auth, headers, idle, ... */
      stage?: string;
    },
  ) {
    super(message);
    this.name = 'UpstreamFailure';
  }
}
