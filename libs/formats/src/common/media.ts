import { GatewayError } from '@lessllm/shared';

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/** An image URL as the internal representation keeps it: http(s) as a URL, a base64 data URL as data + type. */
export function parseImageUrl(url: string, path: string): { url: string } | { data: string; mediaType: string } {
  if (/^https?:\/\//i.test(url)) return { url };
  const dataUrl = DATA_URL.exec(url);
  if (!dataUrl) {
    throw GatewayError.invalid(path, `${path} must be an http(s) URL or a data:<mime>;base64,<data> URL`);
  }
  return { data: dataUrl[2], mediaType: dataUrl[1].toLowerCase() };
}

/** Inline file data: a base64 data URL (media type from it) or bare base64 (media type unknown). */
export function parseFileData(value: string): { data: string; mediaType?: string } {
  const dataUrl = DATA_URL.exec(value);
  return dataUrl ? { data: dataUrl[2], mediaType: dataUrl[1].toLowerCase() } : { data: value };
}

/** Inline data as a data URL (formats that carry media as URLs). */
export function dataUrl(mediaType: string | undefined, data: string): string {
  return `data:${mediaType ?? 'application/octet-stream'};base64,${data}`;
}
