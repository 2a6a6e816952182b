import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpoolPosition } from './spool-position';

const CHECKPOINT_FILE = 'checkpoint.json';

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * Everything before the checkpoint is in the store. Null when there is none or it is unreadable: replaying from the
 * oldest segment is safe because the store skips request ids it already has.
 */
export async function readCheckpoint(dir: string): Promise<SpoolPosition | null> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8')) as Record<string, unknown>;
    return isCount(parsed.segment) && isCount(parsed.offset)
      ? { segment: parsed.segment, offset: parsed.offset }
      : null;
  } catch {
    return null;
  }
}

/**
 * Written to a temporary file and renamed, so a crash leaves the old or the new checkpoint, never half of one. Not
 * fsync'd: a checkpoint lost to a power cut only makes the next start replay (idempotently) a little more.
 */
export async function writeCheckpoint(dir: string, position: SpoolPosition): Promise<void> {
  const path = join(dir, CHECKPOINT_FILE);
  await writeFile(`${path}.tmp`, JSON.stringify(position));
  await rename(`${path}.tmp`, path);
}
