import { request } from 'undici';
import { ADMIN_KEY } from './settings';

/** Small JSON helpers for the suite's own probes (health, metrics, analytics, nats-server monitoring). */
export async function getText(url: string, timeoutMs = 5_000): Promise<{ status: number; text: string }> {
  const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  return { status: res.statusCode, text: await res.body.text() };
}

export async function getJson<T>(url: string, timeoutMs = 5_000): Promise<{ status: number; body: T }> {
  const { status, text } = await getText(url, timeoutMs);
  return { status, body: JSON.parse(text) as T };
}

/** `POST /v1/analytics/query` with the admin key; the rows. */
export async function analyticsQuery<T = Record<string, unknown>>(
  origin: string,
  sql: string,
  maxRows = 10_000,
  timeoutMs = 30_000,
): Promise<T[]> {
  const res = await request(`${origin}/v1/analytics/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ sql, max_rows: maxRows }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`analytics query: HTTP ${res.statusCode}: ${text.slice(0, 400)}`);
  return (JSON.parse(text) as { rows: T[] }).rows;
}

/** One value of a Prometheus text exposition: the sum of the samples of `name` whose labels include `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const labelText = rest[0] === '{' ? rest.slice(1, rest.indexOf('}')) : '';
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) {
      sum += value;
      found = true;
    }
  }
  return found ? sum : Number.NaN;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
