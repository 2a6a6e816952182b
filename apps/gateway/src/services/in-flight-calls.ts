import { Injectable } from '@nestjs/common';
import { CallAborted, type CallContext } from './call-context';

/**
 * The calls between their start and their record, for a graceful drain: on shutdown the gateway stops taking
 * calls, waits for these to finish (`server.drain_s`), then cuts the rest; each still gets its record.
 */
@Injectable()
export class InFlightCalls {
  private readonly open = new Set<CallContext>();
  private waiters: Array<() => void> = [];
  private draining = false;

  get size(): number {
    return this.open.size;
  }

  /** True from the start of a shutdown: readiness answers 503 so load balancers stop sending calls. */
  get isDraining(): boolean {
    return this.draining;
  }

  add(ctx: CallContext): void {
    this.open.add(ctx);
  }

  /** The call has its record. */
  remove(ctx: CallContext): void {
    if (!this.open.delete(ctx) || this.open.size > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  startDraining(): void {
    this.draining = true;
  }

  /**
   * Waits up to `graceMs` for the open calls to finish, then aborts the rest (they are recorded as aborted by the
   * gateway, and streaming callers get an error event) and waits up to `cutMs` for their records.
   * Returns how many calls had to be cut.
   */
  async drain(graceMs: number, cutMs = 5_000): Promise<number> {
    this.draining = true;
    if (await this.idleWithin(graceMs)) return 0;
    const cut = this.open.size;
    for (const ctx of this.open) ctx.abort.abort(new CallAborted('shutdown'));
    await this.idleWithin(cutMs);
    return cut;
  }

  private idleWithin(ms: number): Promise<boolean> {
    if (this.open.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(false);
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(done);
    });
  }
}
