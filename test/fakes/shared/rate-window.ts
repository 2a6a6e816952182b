/** Fixed one-minute window of request/token budgets, used to fill plausible rate-limit headers. */
export class RateWindow {
  private start = 0;
  private requests = 0;
  private tokens = 0;

  constructor(
    readonly requestLimit: number,
    readonly tokenLimit: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Consumes one request and `tokens` tokens; returns what is left and ms until the window resets. */
  take(tokens: number, now = Date.now()): { remainingRequests: number; remainingTokens: number; resetMs: number } {
    if (now - this.start >= this.windowMs) {
      this.start = now;
      this.requests = 0;
      this.tokens = 0;
    }
    this.requests++;
    this.tokens += tokens;
    return {
      remainingRequests: Math.max(0, this.requestLimit - this.requests),
      remainingTokens: Math.max(0, this.tokenLimit - this.tokens),
      resetMs: this.start + this.windowMs - now,
    };
  }

  reset(): void {
    this.start = 0;
  }
}

/** Go-style duration as OpenAI sends in `x-ratelimit-reset-*`: `12ms`, `1.5s`, `6m0s`. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const totalSeconds = ms / 1000;
  if (totalSeconds < 60) return `${Number(totalSeconds.toFixed(3))}s`;
  const minutes = Math.floor(totalSeconds / 60);
  return `${minutes}m${Number((totalSeconds - minutes * 60).toFixed(3))}s`;
}

/** RFC 3339 timestamp without fractional seconds, as Anthropic sends in `anthropic-ratelimit-*-reset`. */
export function rfc3339(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
