import type { AppLogger, CallEvent } from '@lessllm/shared';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readSegment } from './segment-reader';
import { readCheckpoint, writeCheckpoint } from './spool-checkpoint';
import { acquireSpoolLock } from './spool-lock';
import {
  comparePositions,
  maxPosition,
  parseSegmentFileName,
  segmentFileName,
  type SpoolPosition,
} from './spool-position';
import { SpoolWriter } from './spool-writer';

export interface CallSpoolOptions {
  dir: string;
  /** fdatasync at most this long after a write (the power-cut window). */
  fsyncIntervalMs: number;
  /** ...or as soon as this many bytes are unsynced. */
  fsyncBytes: number;
  segmentBytes: number;
  /** Bound of the spool on disk; beyond it the oldest segment is dropped (its unstored events counted as lost). */
  maxBytes: number;
  logger: AppLogger;
}

export interface SpoolAppend {
  start: SpoolPosition;
  end: SpoolPosition;
  /** False when the event could not be serialised: it lives in memory only (start = end). */
  spooled: boolean;
}

export interface SpoolRead {
  events: CallEvent[];
  /** Where the next read starts (commit it once the events are stored). */
  next: SpoolPosition;
}

/** Observers of the write path (metrics). */
export interface SpoolObserver {
  /** Per event: how long its write(2) held the event loop. */
  written(durationMs: number): void;
  /** Per fdatasync: how long the oldest event it covers had waited since its write. */
  synced(lagMs: number): void;
}

export interface CallSpoolStats {
  segments: number;
  /** Bytes in the spool's segments (consumed ones are deleted as soon as the checkpoint passes them). */
  bytes: number;
  appended: number;
  /** Events that could not be serialised (kept in memory only). */
  unspooled: number;
  /** Events lost because the spool was full (oldest segment dropped) or the disk refused writes for too long. */
  droppedFull: number;
  discarded: number;
  torn: number;
  corrupt: number;
  writeErrors: number;
  /**
   * Since start, worst waits: of an event between its append and its write when the disk refused it at first (0
   * when every write went through at once: the kill -9 window is then the append's own callback), and of a
   * written event until its fdatasync (the power-cut window).
   */
  maxWriteLagMs: number;
  maxSyncLagMs: number;
  /** Longest single write(2), ms (what an append can hold the event loop). */
  maxWriteMs: number;
}

const LOG_EVERY_MS = 1000;

/**
 * The embedded recorder's write-ahead log: every CallEvent is appended as one JSON line to the active segment (see
 * SpoolWriter), the ingestor reads back what its memory no longer holds (a restart, an overflow), and `commit` moves
 * the checkpoint once the store has the rows, deleting the segments wholly behind it.
 *
 * JSON lines rather than length-prefixed records: JSON.stringify never emits a raw newline, so '\n' is an exact
 * record end; a torn tail is simply the bytes after the last newline (a process kill only truncates: the page cache
 * survives it), and a JSON.parse plus a request_id check rejects any damaged line without a checksum. The files stay
 * readable with tail and jq.
 */
export class CallSpool {
  /** Live segment numbers, ascending (the active one last), and their sizes (appended bytes for ours). */
  private readonly segments: number[] = [];
  private readonly sizes = new Map<number, number>();
  private totalBytes = 0;
  private consumedTo: SpoolPosition;
  /** Issues before this position were counted already (a failed batch is read again). */
  private scannedTo: SpoolPosition;
  private housekeeping: Promise<void> = Promise.resolve();
  private checkpointDue = false;
  private readonly counters = {
    appended: 0,
    unspooled: 0,
    droppedFull: 0,
    discarded: 0,
    torn: 0,
    corrupt: 0,
    writeErrors: 0,
    maxWriteLagMs: 0,
    maxSyncLagMs: 0,
    maxWriteMs: 0,
  };
  private readonly lastLog = new Map<string, number>();
  private observer: SpoolObserver | null = null;
  private readonly writer: SpoolWriter;
  private closed = false;
  /** The first segment this run writes: anything before it was left by a previous run. */
  readonly firstOwnSegment: number;

  private constructor(
    private readonly options: CallSpoolOptions,
    existing: Map<number, number>,
    checkpoint: SpoolPosition | null,
    private readonly release: () => Promise<void>,
  ) {
    const numbers = [...existing.keys()].sort((a, b) => a - b);
    const first = Math.max(numbers.at(-1) ?? 0, checkpoint?.segment ?? 0) + 1;
    for (const n of numbers) this.track(n, existing.get(n)!);
    this.firstOwnSegment = first;
    this.writer = new SpoolWriter({
      dir: options.dir,
      firstSegment: first,
      segmentBytes: options.segmentBytes,
      fsyncIntervalMs: options.fsyncIntervalMs,
      fsyncBytes: options.fsyncBytes,
      maxPendingBytes: Math.max(options.segmentBytes, Math.floor(options.maxBytes / 4)),
      onSegment: (segment) => this.track(segment, 0),
      onWriteError: (err, pendingBytes) => {
        this.counters.writeErrors++;
        this.logSometimes(
          'write',
          'error',
          { err: err.message, pendingBytes },
          'writing the call spool failed; retrying',
        );
      },
      onDiscard: (lines, bytes) => {
        this.counters.discarded += lines;
        options.logger.error(
          { lines, bytes, dir: options.dir },
          'the call spool could not be written for too long: these events are held in memory only',
        );
      },
      onWritten: (duration) => {
        if (duration > this.counters.maxWriteMs) this.counters.maxWriteMs = duration;
        this.observer?.written(duration);
      },
      onLateWrite: (lag) => {
        if (lag > this.counters.maxWriteLagMs) this.counters.maxWriteLagMs = lag;
      },
      onSynced: (lag) => {
        if (lag > this.counters.maxSyncLagMs) this.counters.maxSyncLagMs = lag;
        this.observer?.synced(lag);
      },
    });
    this.track(first, 0);
    this.consumedTo = this.normalise(checkpoint ?? { segment: numbers[0] ?? first, offset: 0 });
    this.scannedTo = this.consumedTo;
  }

  /** Locks `dir`, finds the segments a previous run left and where its checkpoint was; appends go to a new segment. */
  static async open(options: CallSpoolOptions): Promise<CallSpool> {
    await mkdir(options.dir, { recursive: true });
    const release = await acquireSpoolLock(options.dir);
    try {
      const existing = new Map<number, number>();
      for (const name of await readdir(options.dir)) {
        const segment = parseSegmentFileName(name);
        if (segment !== null) existing.set(segment, (await stat(join(options.dir, name))).size);
      }
      const spool = new CallSpool(options, existing, await readCheckpoint(options.dir), release);
      spool.removeConsumed();
      const backlog = spool.backlogBytes();
      if (backlog > 0) {
        options.logger.warn(
          { dir: options.dir, bytes: backlog, segments: spool.segments.length - 1, from: spool.consumedTo },
          'call spool: replaying call records a previous run had not stored',
        );
      }
      return spool;
    } catch (err) {
      await release();
      throw err;
    }
  }

  setObserver(observer: SpoolObserver): void {
    this.observer = observer;
  }

  /** Everything before it is in the store. */
  get consumed(): SpoolPosition {
    return this.consumedTo;
  }

  get appendedEnd(): SpoolPosition {
    return this.writer.appendedEnd;
  }

  /** Everything before it is in the file (a killed process keeps it; a power cut only what was also synced). */
  get writtenEnd(): SpoolPosition {
    return this.writer.writtenEnd;
  }

  /** Appends one event (serialised here, written on a later turn). Never throws for a bad event. */
  append(event: CallEvent): SpoolAppend {
    let line: string;
    try {
      line = `${JSON.stringify(event)}\n`;
    } catch (err) {
      // A cycle, a BigInt, nesting too deep for the stack: keep it in memory, say so.
      this.counters.unspooled++;
      this.logSometimes(
        'unspooled',
        'error',
        { err: (err as Error).message, request_id: event.request_id },
        'call event could not be written to the spool (kept in memory only)',
      );
      const at = this.writer.appendedEnd;
      return { start: at, end: at, spooled: false };
    }
    const { start, end, bytes } = this.writer.append(line);
    this.counters.appended++;
    this.sizes.set(end.segment, (this.sizes.get(end.segment) ?? 0) + bytes);
    this.totalBytes += bytes;
    if (this.totalBytes > this.options.maxBytes) this.dropOldest();
    return { start, end, spooled: true };
  }

  /**
   * Up to `max` events from `from`, stopping before `until` (a line boundary) and at what is not written yet.
   * Finished segments are read to their end, a torn or damaged line skipped (counted and logged).
   */
  async read(from: SpoolPosition, until: SpoolPosition, max: number): Promise<SpoolRead> {
    let position = this.normalise(from);
    // What is asked for may be held after a refused write: try it now.
    if (comparePositions(position, until) < 0 && comparePositions(position, this.writer.writtenEnd) >= 0) {
      this.writer.retry();
    }
    const events: CallEvent[] = [];
    while (events.length < max && comparePositions(position, until) < 0) {
      const written = this.writer.writtenEnd;
      if (position.segment > written.segment) break;
      const finished = position.segment < written.segment;
      const untilHere = position.segment === until.segment ? until.offset : Infinity;
      const limit = finished ? untilHere : Math.min(untilHere, written.offset);
      const path = join(this.options.dir, segmentFileName(position.segment));
      const read = await readSegment(path, position.offset, limit, max - events.length, finished);
      this.count(position.segment, read.issues);
      events.push(...read.events);
      position = read.exhausted ? this.nextStart(position.segment) : { segment: position.segment, offset: read.end };
      if (!read.exhausted) break;
    }
    return { events, next: position };
  }

  /** The store has everything before `position`: checkpoint it and delete the segments wholly behind it. */
  async commit(position: SpoolPosition): Promise<void> {
    if (comparePositions(position, this.consumedTo) <= 0) return;
    this.consumedTo = this.normalise(position);
    const saved = this.saveCheckpoint();
    this.removeConsumed(); // queued after the checkpoint that allows it
    await saved;
  }

  stats(): CallSpoolStats {
    return {
      ...this.counters,
      segments: this.segments.length,
      bytes: this.totalBytes,
    };
  }

  /** Bytes after the checkpoint (an estimate across segments: what a restart would replay). */
  backlogBytes(): number {
    let bytes = 0;
    for (const segment of this.segments) {
      if (segment < this.consumedTo.segment) continue;
      const size = this.sizes.get(segment) ?? 0;
      bytes += segment === this.consumedTo.segment ? Math.max(0, size - this.consumedTo.offset) : size;
    }
    return bytes;
  }

  /** Writes and fdatasyncs everything appended, saves the checkpoint, unlocks. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const clean = await this.writer.close();
    if (!clean) {
      this.options.logger.error(
        { dir: this.options.dir },
        'call spool: the last events could not be written to disk before shutdown',
      );
    }
    await this.saveCheckpoint();
    await this.housekeeping;
    await this.release();
  }

  private track(segment: number, size: number): void {
    if (this.sizes.has(segment)) return;
    this.segments.push(segment);
    this.sizes.set(segment, size);
    this.totalBytes += size;
  }

  /** The position itself if its segment is live, else the start of the next live one. */
  private normalise(position: SpoolPosition): SpoolPosition {
    if (this.sizes.has(position.segment)) return position;
    const next = this.segments.find((segment) => segment > position.segment) ?? this.writer.activeSegment;
    return { segment: next, offset: 0 };
  }

  private nextStart(segment: number): SpoolPosition {
    return { segment: this.segments.find((n) => n > segment) ?? this.writer.activeSegment, offset: 0 };
  }

  /** Deletes the segments before the checkpoint's (never the active one). */
  private removeConsumed(): void {
    while (this.segments.length > 1 && this.segments[0] < this.consumedTo.segment) {
      const segment = this.forget(this.segments[0]);
      void this.later(() => unlink(join(this.options.dir, segmentFileName(segment))));
    }
  }

  private forget(segment: number): number {
    const index = this.segments.indexOf(segment);
    if (index >= 0) this.segments.splice(index, 1);
    this.totalBytes -= this.sizes.get(segment) ?? 0;
    this.sizes.delete(segment);
    return segment;
  }

  /**
   * Full: drop the oldest segment that is wholly written (never the active one). Its events not yet stored are
   * lost: counted once the file is read through, logged, and the checkpoint jumps past it.
   */
  private dropOldest(): void {
    const oldest = this.segments[0];
    if (this.segments.length < 2 || oldest >= this.writer.writtenEnd.segment) return;
    const from = this.consumedTo.segment === oldest ? this.consumedTo.offset : 0;
    const unstored = this.consumedTo.segment <= oldest;
    this.forget(oldest);
    if (unstored) this.consumedTo = maxPosition(this.consumedTo, this.nextStart(oldest));
    const path = join(this.options.dir, segmentFileName(oldest));
    void this.later(async () => {
      const lost = unstored ? await countLines(path, from).catch(() => 0) : 0;
      await unlink(path).catch(() => undefined);
      if (lost === 0) return;
      this.counters.droppedFull += lost;
      this.logSometimes(
        'full',
        'error',
        { lost, droppedFull: this.counters.droppedFull, maxBytes: this.options.maxBytes, dir: this.options.dir },
        'call spool full: dropped its oldest segment, these call records are lost (is the store down?)',
      );
    });
    this.checkpointDue = true;
  }

  private count(segment: number, issues: { offset: number; kind: 'torn' | 'corrupt' }[]): void {
    for (const issue of issues) {
      const at = { segment, offset: issue.offset };
      if (comparePositions(at, this.scannedTo) < 0) continue;
      this.counters[issue.kind]++;
      this.options.logger.warn(
        { segment: segmentFileName(segment), offset: issue.offset, dir: this.options.dir },
        issue.kind === 'torn'
          ? 'call spool: skipped a torn last line (a write cut short by a crash)'
          : 'call spool: skipped a line that is not a call event',
      );
      this.scannedTo = { segment, offset: issue.offset + 1 };
    }
  }

  private saveCheckpoint(): Promise<void> {
    this.checkpointDue = false;
    const position = this.consumedTo;
    return this.later(() =>
      writeCheckpoint(this.options.dir, position).catch((err: Error) =>
        this.logSometimes('checkpoint', 'warn', { err: err.message }, 'call spool: saving the checkpoint failed'),
      ),
    );
  }

  /** File housekeeping in order (checkpoint before the deletions it allows), off the caller's path. */
  private later(task: () => Promise<unknown>): Promise<void> {
    this.housekeeping = this.housekeeping
      .then(task)
      .catch((err: Error) =>
        this.logSometimes('housekeeping', 'warn', { err: err.message }, 'call spool: housekeeping failed'),
      )
      .then(() => {
        if (this.checkpointDue) void this.saveCheckpoint();
      });
    return this.housekeeping;
  }

  private logSometimes(key: string, level: 'warn' | 'error', fields: object, message: string): void {
    const now = Date.now();
    if (now - (this.lastLog.get(key) ?? 0) < LOG_EVERY_MS) return;
    this.lastLog.set(key, now);
    this.options.logger[level](fields, message);
  }
}

/** Newlines in a file from `from`: the events a dropped segment still held. */
async function countLines(path: string, from: number): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path, { start: from })) {
    const bytes = chunk as Buffer;
    for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) lines++;
  }
  return lines;
}
