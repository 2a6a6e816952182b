import type { AppLogger } from '@lessllm/shared';

/** Logs a warning at most once per interval; the count of suppressed ones goes with the next. */
export class RateLimitedWarn {
  private last = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly logger: AppLogger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(fields: Record<string, unknown>, message: string): void {
    const t = this.now();
    if (t - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.logger.warn({ ...fields, suppressed: this.suppressed }, message);
    this.last = t;
    this.suppressed = 0;
  }
}
