import type { Json } from '../wire-format';

/** What the OpenAI formats (Chat Completions, legacy Completions) share on the request side. */

/** `stream_options.include_usage: true`: the caller wants the usage chunk at the end of its stream. */
export function wantsOpenAIStreamUsage(body: Json): boolean {
  return (
    typeof body.stream_options === 'object' &&
    body.stream_options !== null &&
    (body.stream_options as { include_usage?: unknown }).include_usage === true
  );
}

/** A same-format body for the upstream: the upstream model, the stream flag, and the usage chunk when streaming. */
export function openAIBodyForUpstream(
  body: Json,
  opts: { model: string; stream: boolean; streamUsage: boolean },
): Json {
  const upstream: Record<string, unknown> = { ...body, model: opts.model };
  // Exact usage for streams: ask for the usage chunk even if the caller did not (it is dropped before them).
  if (opts.stream && opts.streamUsage) {
    const current = (upstream.stream_options ?? {}) as Record<string, unknown>;
    if (current.include_usage !== true) upstream.stream_options = { ...current, include_usage: true };
  }
  // Non-streamed: a caller's explicit `stream: false` stays as sent (and a buffered stream becomes one).
  if (opts.stream) upstream.stream = true;
  else if (upstream.stream !== undefined) upstream.stream = false;
  return upstream;
}
