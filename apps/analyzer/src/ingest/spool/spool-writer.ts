import { closeSync, fdatasync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { segmentFileName, type SpoolPosition } from './spool-position';

export interface SpoolWriterOptions {
  dir: string;
  /** The first segment this writer creates (always a new file: a previous run's last one may end torn). */
  firstSegment: number;
  /** A segment is closed (and a new one started) before a line would take it past this size. */
  segmentBytes: number;
  /** fdatasync this long after the first unsynced write at the latest. */
  fsyncIntervalMs: number;
  /** ...or as soon as this many bytes are unsynced. */
  fsyncBytes: number;
  /** Bytes held while the disk refuses writes; beyond it they are discarded and counted. */
  maxPendingBytes: number;
  /** A new segment was started (rotation, or after discarded bytes). */
  onSegment(segment: number): void;
  onWriteError(err: Error, pendingBytes: number): void;
  onDiscard(lines: number, bytes: number): void;
  /** Per fdatasync: how long the oldest line it covers had waited since its write (the power-cut window). */
  onSynced?(lagMs: number): void;
  /** Per write(2): how long it held the event loop. */
  onWritten?(durationMs: number): void;
  /** Per retried write, once the disk took it: how long its line had waited. */
  onLateWrite?(lagMs: number): void;
}

/** A line the disk refused, kept to be written (from `done`) once it takes writes again. */
interface HeldLine {
  segment: number;
  data: Buffer;
  done: number;
  endOffset: number;
  since: number;
}

/** Bytes written to one segment and not yet covered by an fdatasync. */
interface Unsynced {
  segment: number;
  bytes: number;
  since: number;
  /** An fdatasync that covers it has started: later writes go to a new entry. */
  sealed: boolean;
  synced: boolean;
}

const MAX_RETRY_DELAY_MS = 5000;

function syncDirectory(dir: string): void {
  // The name of a new segment has to survive a power cut too; off the loop, best effort.
  void open(dir, 'r')
    .then((handle) => handle.sync().finally(() => handle.close()))
    .catch(() => undefined);
}

/**
 * The spool's append side. `append` writes the line to the file at once, with one write(2) on this thread: it
 * lands in the page cache in a few microseconds, and a process kill cannot take it back. Not deferred to a later
 * tick or to libuv's thread pool on purpose: the gateway publishes right after the answer is sent, and anything
 * queued in between (a batch of enrichment work, chDB queries occupying the pool) would widen the window where an
 * answered call has no record. fdatasync, the part that waits for the device, runs on the pool in batches, at most
 * fsyncIntervalMs after the first unsynced write (or at fsyncBytes): the window of a power cut or kernel crash.
 * Positions are assigned at append time, in order; within a segment the file is a gapless prefix of them.
 */
export class SpoolWriter {
  private segment: number;
  private offset = 0;
  /** Lines appended while the disk refused writes, in order. */
  private readonly held: HeldLine[] = [];
  private heldBytes = 0;
  private file: { segment: number; fd: number } | null = null;
  private writtenTo: SpoolPosition;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 0;
  private readonly unsynced: Unsynced[] = [];
  private unsyncedBytes = 0;
  private syncTimer: NodeJS.Timeout | null = null;
  /** fdatasyncs in flight (the current file's, and those of retired segments before they are closed). */
  private readonly syncs = new Set<Promise<void>>();
  private currentSync: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: SpoolWriterOptions) {
    this.segment = options.firstSegment;
    this.writtenTo = { segment: options.firstSegment, offset: 0 };
  }

  /** The position after the last appended line (where the next one starts, unless it rotates). */
  get appendedEnd(): SpoolPosition {
    return { segment: this.segment, offset: this.offset };
  }

  /** The position after the last line handed to the OS: a killed process keeps everything before it. */
  get writtenEnd(): SpoolPosition {
    return this.writtenTo;
  }

  get activeSegment(): number {
    return this.segment;
  }

  /** Writes one line (ending in '\n') to the page cache; returns where it is in the spool. */
  append(line: string): { start: SpoolPosition; end: SpoolPosition; bytes: number } {
    if (this.closed) throw new Error('the call spool is closed');
    const data = Buffer.from(line);
    if (this.offset > 0 && this.offset + data.length > this.options.segmentBytes) this.rotate();
    const start = { segment: this.segment, offset: this.offset };
    this.offset += data.length;
    const entry: HeldLine = { segment: this.segment, data, done: 0, endOffset: this.offset, since: performance.now() };
    if (this.held.length > 0 || !this.writeLine(entry)) this.hold(entry);
    return { start, end: { segment: this.segment, offset: this.offset }, bytes: data.length };
  }

  /** Writes the held lines (the disk refused them before); false while it still refuses. */
  retry(): boolean {
    while (this.held.length > 0) {
      const line = this.held[0];
      if (!this.writeLine(line)) return false;
      this.held.shift();
      this.heldBytes -= line.data.length;
      this.options.onLateWrite?.(performance.now() - line.since);
    }
    this.retryDelay = 0;
    return true;
  }

  /** Writes and fdatasyncs everything appended; false when the disk still refused after a few attempts. */
  async flush(attempts = 3): Promise<boolean> {
    for (let i = 0; i < attempts && !this.retry(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50 * (i + 1)));
    }
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    for (let i = 0; i < attempts && (this.syncs.size > 0 || this.unsynced.length > 0); i++) {
      this.syncNow();
      await Promise.all(this.syncs);
    }
    return this.held.length === 0 && this.unsynced.length === 0;
  }

  async close(): Promise<boolean> {
    const clean = await this.flush();
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.file) closeSync(this.file.fd);
    this.file = null;
    return clean;
  }

  /** One line to its segment's file, resuming a partial write; false (and a retry scheduled) on an error. */
  private writeLine(line: HeldLine): boolean {
    const t0 = performance.now();
    try {
      const fd = this.fdFor(line.segment);
      while (line.done < line.data.length)
        line.done += writeSync(fd, line.data, line.done, line.data.length - line.done);
    } catch (err) {
      this.fail(err as Error);
      return false;
    }
    this.options.onWritten?.(performance.now() - t0);
    this.writtenTo = { segment: line.segment, offset: line.endOffset };
    const last = this.unsynced.at(-1);
    if (last && last.segment === line.segment && !last.sealed) last.bytes += line.data.length;
    else
      this.unsynced.push({
        segment: line.segment,
        bytes: line.data.length,
        since: line.since,
        sealed: false,
        synced: false,
      });
    this.unsyncedBytes += line.data.length;
    this.scheduleSync();
    return true;
  }

  private hold(line: HeldLine): void {
    this.held.push(line);
    this.heldBytes += line.data.length - line.done;
    if (this.heldBytes > this.options.maxPendingBytes) this.discardHeld();
  }

  private rotate(): void {
    this.segment++;
    this.offset = 0;
    this.options.onSegment(this.segment);
  }

  private fail(err: Error): void {
    // Reopened for the retry: appends land at the file's end, where the failed write stopped.
    this.retire(false);
    this.options.onWriteError(err, this.heldBytes);
    if (this.retryTimer) return;
    this.retryDelay = Math.min(MAX_RETRY_DELAY_MS, Math.max(100, this.retryDelay * 2));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retry();
    }, this.retryDelay);
    this.retryTimer.unref();
  }

  /**
   * The disk has refused writes for long enough that the held bytes exceed their bound: let them go (their events
   * are still in the caller's memory queue) and continue in a new segment, so the old one stays a gapless prefix.
   */
  private discardHeld(): void {
    const lines = this.held.length;
    const bytes = this.heldBytes;
    this.held.splice(0);
    this.heldBytes = 0;
    this.rotate();
    this.options.onDiscard(lines, bytes);
  }

  /** The open file of `segment`; the previous one is retired (fdatasync'd, then closed, off the loop). */
  private fdFor(segment: number): number {
    if (this.file?.segment === segment) return this.file.fd;
    this.retire();
    const fd = openSync(join(this.options.dir, segmentFileName(segment)), 'a');
    this.file = { segment, fd };
    syncDirectory(this.options.dir);
    return fd;
  }

  private retire(sync = true): void {
    const file = this.file;
    if (!file) return;
    this.file = null;
    for (const u of this.unsynced) if (u.segment === file.segment) u.sealed = true;
    // After the current file's fdatasync in flight, if any: the fd stays open until every sync of it is done.
    const retired = (this.currentSync ?? Promise.resolve())
      .then(() => (sync ? this.datasync(file.fd) : undefined))
      .then(() => {
        if (sync) this.markSynced((u) => u.segment === file.segment);
      })
      .catch((err: Error) => this.options.onWriteError(err, this.heldBytes))
      .finally(() => closeSync(file.fd));
    this.track(retired);
    this.currentSync = null;
  }

  private scheduleSync(): void {
    if (this.unsyncedBytes >= this.options.fsyncBytes) this.syncNow();
    else if (!this.syncTimer && this.unsynced.length > 0) {
      this.syncTimer = setTimeout(() => {
        this.syncTimer = null;
        this.syncNow();
      }, this.options.fsyncIntervalMs);
      this.syncTimer.unref();
    }
  }

  /** fdatasync of the current file, covering what was written to it so far (one at a time). */
  private syncNow(): void {
    const file = this.file;
    if (!file || this.currentSync) return;
    const covered = new Set(this.unsynced.filter((u) => u.segment === file.segment && !u.synced));
    if (covered.size === 0) return;
    covered.forEach((u) => (u.sealed = true));
    const sync = this.datasync(file.fd)
      .then(() => this.markSynced((u) => covered.has(u)))
      .catch((err: Error) => this.options.onWriteError(err, this.heldBytes))
      .finally(() => {
        if (this.currentSync === sync) this.currentSync = null;
        if (this.unsynced.length > 0) this.scheduleSync();
      });
    this.currentSync = sync;
    this.track(sync);
  }

  private datasync(fd: number): Promise<void> {
    return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  private track(sync: Promise<void>): void {
    this.syncs.add(sync);
    void sync.finally(() => this.syncs.delete(sync));
  }

  private markSynced(covers: (u: Unsynced) => boolean): void {
    let oldest: number | null = null;
    for (const u of this.unsynced) {
      if (u.synced || !covers(u)) continue;
      u.synced = true;
      this.unsyncedBytes -= u.bytes;
      oldest = oldest === null ? u.since : Math.min(oldest, u.since);
    }
    while (this.unsynced[0]?.synced) this.unsynced.shift();
    if (oldest !== null) this.options.onSynced?.(performance.now() - oldest);
  }
}
