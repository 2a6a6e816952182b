/** Masks the password (and long usernames that look like tokens) in a URL, for logs and error messages. */
export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    if (url.username && url.username.length > 24) url.username = '***';
    return url.toString().replace(/\/$/, '');
  } catch {
    return raw.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
  }
}

/** Removes every occurrence of the given secrets from a string. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
