/** Joins a base URL and a relative path with exactly one slash, keeping the base's path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
