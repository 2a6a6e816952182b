import type { AppLogger, CallEvent } from '@lessllm/shared';
import { dropWarner, type CallQueue, type QueuedBatch } from '../call-queue';
import type { CallSpool } from './call-spool';
import { comparePositions, type SpoolPosition } from './spool-position';

interface Entry {
  event: CallEvent;
  start: SpoolPosition;
  end: SpoolPosition;
}

export interface SpooledBatch extends QueuedBatch {
  /** How many of `events` are memory-only ones (first in the batch). */
  memoryOnly: number;
  /** The spool position after the batch's spooled events. */
  next: SpoolPosition;
  fromDisk: boolean;
}

/**
 * Memory in front of the spool. Every event is appended to the spool first; memory keeps the newest ones (a cache:
 * letting one go loses nothing, it is read back from disk). A batch comes from memory when memory holds the events
 * right after the checkpoint, else from disk up to where memory starts: the replay after a restart, and the catch-up
 * after a long store outage, are the same path. Events the spool could not serialise wait in a small side list and
 * go first; they are the only ones a bound can lose here.
 */
export class SpooledCallQueue implements CallQueue<SpooledBatch> {
  private readonly memory: Entry[] = [];
  private readonly memoryOnly: CallEvent[] = [];
  private lost = 0;
  private fromDisk = 0;
  /**
   * Events of a previous run still to mark as redelivered (see peek): unbounded until a replayed batch holds no
   * row the store had, then `suspectWindow` events from there.
   */
  private suspectsLeft = Infinity;
  private readonly warn: (fields: object) => void;

  /**
   * @param suspectWindow events a killed run may have had in its one insert in flight (its batch size; twice the
   *   current one by default, in case it was configured larger).
   */
  constructor(
    private readonly spool: CallSpool,
    private readonly limit: number,
    logger: AppLogger,
    private readonly suspectWindow = 2000,
  ) {
    this.warn = dropWarner(logger, 'call-record buffer full: dropping the oldest events the spool could not hold');
  }

  get buffered(): number {
    this.prune();
    return this.memory.length + this.memoryOnly.length;
  }

  get dropped(): number {
    return this.lost;
  }

  /** Events stored from disk (replayed after a restart, or read back after memory let them go). */
  get replayed(): number {
    return this.fromDisk;
  }

  push(event: CallEvent): void {
    const appended = this.spool.append(event);
    if (!appended.spooled) {
      if (this.memoryOnly.length >= this.limit) {
        this.memoryOnly.shift();
        this.lost++;
        this.warn({ dropped: this.lost, limit: this.limit });
      }
      this.memoryOnly.push(event);
      return;
    }
    this.memory.push({ event, start: appended.start, end: appended.end });
    if (this.memory.length > this.limit) this.memory.shift();
  }

  backlog(): boolean {
    this.prune();
    return comparePositions(this.spool.consumed, this.head()) < 0;
  }

  async peek(max: number): Promise<SpooledBatch> {
    const extra = this.memoryOnly.slice(0, max);
    const room = max - extra.length;
    if (room > 0 && this.backlog()) {
      const from = this.spool.consumed;
      const read = await this.spool.read(from, this.head(), room);
      // Left by a previous run: it may have died inside the insert of these rows (rows without their rollup, or
      // the other way round), so the store heals their hours. That run wrote one batch at a time from its
      // checkpoint: stored batches (the store reports them as duplicates, and heals those anyway), then at most
      // one insert in flight. So the marking stops `suspectWindow` events after the first replayed batch with no
      // stored row, not at the end of a long backlog (each mark costs a recompute of the batch's hours). A batch
      // that reaches into this run's segments is marked whole (a recompute too many costs a query, one too few
      // leaves the rollup wrong).
      const previousRun = from.segment < this.spool.firstOwnSegment && this.suspectsLeft > 0;
      return {
        events: [...extra, ...read.events],
        memoryOnly: extra.length,
        next: read.next,
        fromDisk: true,
        ...(previousRun ? { redelivered: read.events.map((event) => event.request_id) } : {}),
      };
    }
    const entries = room > 0 ? this.memory.slice(0, room) : [];
    return {
      events: [...extra, ...entries.map((entry) => entry.event)],
      memoryOnly: extra.length,
      next: entries.at(-1)?.end ?? this.spool.consumed,
      fromDisk: false,
    };
  }

  async commit(batch: SpooledBatch, duplicates = 0): Promise<boolean> {
    this.memoryOnly.splice(0, batch.memoryOnly);
    if (batch.redelivered) {
      // Stored rows: still inside what the killed run had written; none: its insert in flight starts here at most.
      this.suspectsLeft =
        duplicates > 0 ? Infinity : Math.min(this.suspectsLeft, this.suspectWindow) - batch.redelivered.length;
    }
    const moved = comparePositions(batch.next, this.spool.consumed) > 0;
    if (batch.fromDisk) this.fromDisk += batch.events.length - batch.memoryOnly;
    await this.spool.commit(batch.next);
    this.prune();
    return moved || batch.events.length > 0;
  }

  release(): void {
    // Nothing to undo: a batch leaves memory and the spool only at commit.
  }

  /** Where memory starts: its first event, or (empty) the end of the spool. */
  private head(): SpoolPosition {
    return this.memory[0]?.start ?? this.spool.appendedEnd;
  }

  /** Drops the entries the checkpoint has passed (stored, or dropped with a full spool's oldest segment). */
  private prune(): void {
    const consumed = this.spool.consumed;
    let stale = 0;
    while (stale < this.memory.length && comparePositions(this.memory[stale].end, consumed) <= 0) stale++;
    if (stale > 0) this.memory.splice(0, stale);
  }
}
