import { expect } from 'vitest';
import { StoreQueryError } from '../store-query-error';

/** All chunks of an export, as one buffer. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** Awaits a promise that must be refused with a StoreQueryError, and returns the error. */
export async function refusal(promise: Promise<unknown>): Promise<StoreQueryError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreQueryError);
  return err as StoreQueryError;
}
