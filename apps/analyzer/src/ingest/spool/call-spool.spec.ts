import type { CallEvent } from '@lessllm/shared';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallSpool, type CallSpoolOptions } from './call-spool';
import { segmentFileName, type SpoolPosition } from './spool-position';

/** CallSpool on real files in a temp folder: appends, fdatasync batching, rotation, replay, torn tails, the cap. */

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
const open: CallSpool[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lessllm-spool-'));
  dirs.push(dir);
  return dir;
}

async function openSpool(dir: string, options: Partial<CallSpoolOptions> = {}): Promise<CallSpool> {
  const spool = await CallSpool.open({
    dir,
    fsyncIntervalMs: 20,
    fsyncBytes: 1024 * 1024,
    segmentBytes: 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    logger,
    ...options,
  });
  open.push(spool);
  return spool;
}

/** Closes a spool the test opened (and forgets it). */
async function closeSpool(spool: CallSpool): Promise<void> {
  open.splice(open.indexOf(spool), 1);
  await spool.close();
}

const event = (id: string, pad = 0): CallEvent =>
  ({ version: 2, request_id: id, status: 'success', request: { pad: 'x'.repeat(pad) } }) as unknown as CallEvent;

const segmentFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort();

/** Everything after the checkpoint, in order, as request ids. */
async function readAll(spool: CallSpool, from: SpoolPosition = spool.consumed): Promise<string[]> {
  const ids: string[] = [];
  let position = from;
  for (;;) {
    const read = await spool.read(position, spool.appendedEnd, 1000);
    ids.push(...read.events.map((e) => e.request_id));
    if (read.events.length === 0 && read.next.segment === position.segment && read.next.offset === position.offset)
      return ids;
    position = read.next;
  }
}

describe('CallSpool (real files)', () => {
  it('each event is in the file when append returns (no later tick), fdatasync batched by the interval', async () => {
    const dir = tempDir();
    const spool = await openSpool(dir, { fsyncIntervalMs: 40 });
    const writes: number[] = [];
    const syncs: number[] = [];
    spool.setObserver({ written: (ms) => writes.push(ms), synced: (lag) => syncs.push(lag) });
    const appended = Array.from({ length: 500 }, (_, i) => spool.append(event(`order-${i}`)));
    expect(appended.every((a) => a.spooled)).toBe(true);
    // Read in the same synchronous stretch: a process killed now keeps all of it (it is in the page cache).
    const [file] = segmentFiles(dir);
    const bytes = readFileSync(join(dir, file));
    const lines = bytes.toString('utf8').split('\n');
    expect(lines.pop()).toBe(''); // ends with a newline
    expect(lines.map((l) => (JSON.parse(l) as CallEvent).request_id)).toEqual(
      Array.from({ length: 500 }, (_, i) => `order-${i}`),
    );
    expect(writes).toHaveLength(500);
    // Positions are the byte offsets of the lines.
    expect(appended.at(-1)!.end.offset).toBe(bytes.length);
    expect(appended[1].start).toEqual(appended[0].end);
    expect(spool.writtenEnd).toEqual(appended.at(-1)!.end);
    // Not one fdatasync per event: one, an interval after the first write.
    expect(syncs).toHaveLength(0);
    await expect.poll(() => syncs.length, { interval: 2 }).toBe(1);
    expect(syncs[0]).toBeGreaterThanOrEqual(40);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(syncs).toHaveLength(1);
    expect(spool.stats()).toMatchObject({ appended: 500, writeErrors: 0, segments: 1 });
  });

  it('fdatasyncs early once fsyncBytes are unsynced', async () => {
    const spool = await openSpool(tempDir(), { fsyncIntervalMs: 10_000, fsyncBytes: 4096 });
    const syncs: number[] = [];
    spool.setObserver({ written: () => undefined, synced: (lag) => syncs.push(lag) });
    for (let i = 0; i < 20; i++) spool.append(event(`size-${i}`, 500)); // ~11 KB
    await expect.poll(() => syncs.length, { timeout: 2000, interval: 5 }).toBeGreaterThanOrEqual(1);
    expect(syncs[0]).toBeLessThan(1000); // far sooner than the 10 s interval
  });

  it('rotates segments by size and deletes the ones the checkpoint has passed', async () => {
    const dir = tempDir();
    const spool = await openSpool(dir, { segmentBytes: 4096 });
    const appended = Array.from({ length: 60 }, (_, i) => spool.append(event(`rot-${i}`, 300)));
    const used = new Set(appended.map((a) => a.end.segment)).size;
    expect(used).toBeGreaterThanOrEqual(5);
    await expect.poll(() => segmentFiles(dir).length, { interval: 5 }).toBe(used);
    for (const file of segmentFiles(dir)) expect(readFileSync(join(dir, file)).length).toBeLessThanOrEqual(4096);
    expect(await readAll(spool)).toEqual(Array.from({ length: 60 }, (_, i) => `rot-${i}`));

    // The store has the first 30: the segments wholly before the 30th event's are deleted.
    await spool.commit(appended[29].end);
    const kept = appended[29].end.segment;
    await expect.poll(() => segmentFiles(dir)[0]).toBe(segmentFileName(kept));
    expect(JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'))).toEqual(appended[29].end);
    expect(await readAll(spool)).toEqual(Array.from({ length: 30 }, (_, i) => `rot-${30 + i}`));
    // Everything stored: only the active segment is left.
    await spool.commit(appended[59].end);
    await expect.poll(() => segmentFiles(dir)).toEqual([segmentFileName(appended[59].end.segment)]);
  });

  it('after a restart, replays what the checkpoint has not passed and appends to a new segment', async () => {
    const dir = tempDir();
    const first = await openSpool(dir);
    const appended = Array.from({ length: 10 }, (_, i) => first.append(event(`re-${i}`)));
    await first.commit(appended[3].end); // the store had 4 of them
    await closeSpool(first);

    const second = await openSpool(dir);
    expect(second.consumed).toEqual(appended[3].end);
    expect(second.backlogBytes()).toBe(appended[9].end.offset - appended[3].end.offset);
    second.append(event('re-new'));
    expect(second.appendedEnd.segment).toBe(appended[0].end.segment + 1);
    await expect.poll(() => segmentFiles(dir).length).toBe(2);
    expect(await readAll(second)).toEqual(['re-4', 're-5', 're-6', 're-7', 're-8', 're-9', 're-new']);
  });

  it('a torn last line (a write cut short) is skipped and counted; the lines before it and after a restart are kept', async () => {
    const dir = tempDir();
    const warn = vi.spyOn(logger, 'warn');
    const good = [0, 1, 2].map((i) => JSON.stringify(event(`torn-${i}`))).join('\n');
    writeFileSync(join(dir, segmentFileName(7)), `${good}\n{"version":2,"request_id":"torn-3","req`);
    const spool = await openSpool(dir);
    spool.append(event('torn-after'));
    expect(await readAll(spool)).toEqual(['torn-0', 'torn-1', 'torn-2', 'torn-after']);
    expect(spool.stats()).toMatchObject({ torn: 1, corrupt: 0 });
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ segment: segmentFileName(7), offset: good.length + 1 }),
      'call spool: skipped a torn last line (a write cut short by a crash)',
    );
    // Read again (a failed batch is retried): counted once.
    await readAll(spool);
    expect(spool.stats().torn).toBe(1);
    // The torn segment is never appended to again.
    expect(spool.appendedEnd.segment).toBe(8);
  });

  it('a damaged line in the middle (zeros after a power cut) is skipped and counted, the rest read', async () => {
    const dir = tempDir();
    const lines = [
      JSON.stringify(event('mid-0')),
      '\0'.repeat(40),
      '{"not":"an event"}',
      JSON.stringify(event('mid-1')),
    ];
    writeFileSync(join(dir, segmentFileName(1)), `${lines.join('\n')}\n`);
    const spool = await openSpool(dir);
    expect(await readAll(spool)).toEqual(['mid-0', 'mid-1']);
    expect(spool.stats()).toMatchObject({ corrupt: 2, torn: 0 });
  });

  it('a line longer than the read chunk (a 3 MB event) is read back whole', async () => {
    const spool = await openSpool(tempDir(), { segmentBytes: 16 * 1024 * 1024 });
    spool.append(event('big-0'));
    spool.append(event('big-1', 3 * 1024 * 1024));
    spool.append(event('big-2'));
    const read = await spool.read(spool.consumed, spool.appendedEnd, 10);
    expect(read.events.map((e) => e.request_id)).toEqual(['big-0', 'big-1', 'big-2']);
    expect((read.events[1].request as { pad: string }).pad).toHaveLength(3 * 1024 * 1024);
  });

  it('an unreadable checkpoint replays from the oldest segment (the store skips what it has)', async () => {
    const dir = tempDir();
    const first = await openSpool(dir);
    const a = [0, 1, 2].map((i) => first.append(event(`ck-${i}`)));
    await first.commit(a[1].end);
    await closeSpool(first);
    writeFileSync(join(dir, 'checkpoint.json'), '{"segm');
    const second = await openSpool(dir);
    expect(await readAll(second)).toEqual(['ck-0', 'ck-1', 'ck-2']);
  });

  it('full: drops the oldest segment, counts its unstored events, logs, and keeps the newest', async () => {
    const dir = tempDir();
    const error = vi.spyOn(logger, 'error');
    // ~330 B a line: 12 lines a 4 KB segment, 16 KB at most (4 segments).
    const spool = await openSpool(dir, { segmentBytes: 4096, maxBytes: 16 * 1024 });
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      ids.push(`full-${i}`);
      spool.append(event(`full-${i}`, 250));
      if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 5)); // let writes land
    }
    await expect.poll(() => spool.stats().droppedFull, { interval: 10 }).toBeGreaterThan(0);
    const kept = await readAll(spool);
    await expect.poll(() => spool.stats().droppedFull + kept.length).toBe(120);
    // What is kept is the newest, in order, without a gap.
    expect(kept).toEqual(ids.slice(120 - kept.length));
    expect(spool.stats().bytes).toBeLessThanOrEqual(16 * 1024 + 4096);
    expect(segmentFiles(dir).length).toBeLessThanOrEqual(5);
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ maxBytes: 16 * 1024 }),
      'call spool full: dropped its oldest segment, these call records are lost (is the store down?)',
    );
  });

  it('an event JSON cannot hold is reported as not spooled (memory only), the next ones are spooled', async () => {
    const spool = await openSpool(tempDir());
    const bad = { ...event('big-int'), extra: 1n } as unknown as CallEvent;
    expect(spool.append(bad).spooled).toBe(false);
    expect(spool.append(event('fine')).spooled).toBe(true);
    expect(spool.stats()).toMatchObject({ appended: 1, unspooled: 1 });
    expect(await readAll(spool)).toEqual(['fine']);
  });

  it('one process per spool: a live holder is refused, a dead one is taken over', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'spool.lock'), `${process.ppid}\n`); // alive: the process that started this one
    await expect(openSpool(dir)).rejects.toThrow(`in use by process ${process.ppid}`);
    writeFileSync(join(dir, 'spool.lock'), '999999999\n'); // no such process (kill -9'd)
    const spool = await openSpool(dir);
    expect(readFileSync(join(dir, 'spool.lock'), 'utf8').trim()).toBe(String(process.pid));
    await closeSpool(spool);
    expect(existsSync(join(dir, 'spool.lock'))).toBe(false);
  });

  it('a disk that refuses writes (ENOSPC from /dev/full) is retried; once it takes them nothing is lost or reordered', async () => {
    if (!existsSync('/dev/full')) {
      console.warn('skipped: no /dev/full on this system to refuse writes');
      return;
    }
    const dir = tempDir();
    const spool = await openSpool(dir);
    const active = segmentFileName(spool.appendedEnd.segment);
    symlinkSync('/dev/full', join(dir, active));
    for (let i = 0; i < 5; i++) spool.append(event(`enospc-${i}`));
    await expect.poll(() => spool.stats().writeErrors, { interval: 5 }).toBeGreaterThanOrEqual(1);
    for (let i = 5; i < 10; i++) spool.append(event(`enospc-${i}`));
    // The disk has room again: the retry reopens the file and writes everything, in order.
    unlinkSync(join(dir, active));
    await expect
      .poll(() => (existsSync(join(dir, active)) ? readFileSync(join(dir, active), 'utf8').split('\n').length : 0), {
        timeout: 5000,
        interval: 20,
      })
      .toBe(11);
    expect(await readAll(spool)).toEqual(Array.from({ length: 10 }, (_, i) => `enospc-${i}`));
    expect(spool.stats()).toMatchObject({ discarded: 0, appended: 10 });
  });

  it('a disk that refuses writes for too long: the held bytes are let go (counted) and a new segment takes the next ones', async () => {
    if (!existsSync('/dev/full')) {
      console.warn('skipped: no /dev/full on this system to refuse writes');
      return;
    }
    const dir = tempDir();
    const error = vi.spyOn(logger, 'error');
    // Held bytes are bounded by max(segment, max/4) = 4 KB here.
    const spool = await openSpool(dir, { segmentBytes: 4096, maxBytes: 16 * 1024 });
    const broken = spool.appendedEnd.segment;
    symlinkSync('/dev/full', join(dir, segmentFileName(broken)));
    spool.append(event('held-0', 100));
    await expect.poll(() => spool.stats().writeErrors, { interval: 5 }).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < 12; i++) spool.append(event(`held-${i}`, 300));
    expect(spool.stats().discarded).toBeGreaterThan(0);
    expect(spool.appendedEnd.segment).toBeGreaterThan(broken);
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ lines: spool.stats().discarded }),
      'the call spool could not be written for too long: these events are held in memory only',
    );
    spool.append(event('after'));
    await expect.poll(() => segmentFiles(dir).includes(segmentFileName(spool.appendedEnd.segment))).toBe(true);
    const readable = await readAll(spool);
    expect(readable.at(-1)).toBe('after');
    expect(readable.length + spool.stats().discarded).toBe(13);
  });
});
