import { randomUUID } from 'node:crypto';

/** For streams and answers that never told us their id, and for ids the gateway itself issues. */
export function mintOpaqueId(prefix: string): string {
  return `${prefix}${randomUUID().replace(/-/g, '')}`;
}

/** An upstream id in a caller format's spelling: `msg_abc` -> `chatcmpl-abc`, keeping it recognisable. */
export function respell(id: string, prefix: string, foreignPrefixes: readonly string[]): string {
  if (!id) return mintOpaqueId(prefix);
  if (id.startsWith(prefix)) return id;
  for (const foreign of foreignPrefixes) if (id.startsWith(foreign)) return `${prefix}${id.slice(foreign.length)}`;
  return `${prefix}${id}`;
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
