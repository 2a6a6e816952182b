import { formatNamed, translateRequest, type Json, type WireFormat } from '@lessllm/formats';
import { upstreamFormatFor, type TranslationConfig } from '@lessllm/shared';
import type { IncomingHttpHeaders } from 'node:http';
import type { CallContext } from './call-context';
import type { PreparedRequest } from './call-orchestrator.service';
import type { ResolvedTarget } from './model-resolver.service';

export interface ChatRequestInput {
  caller: WireFormat;
  body: Json;
  target: ResolvedTarget;
  stream: boolean;
  headers: IncomingHttpHeaders;
  /** The caller's query string (kept for same-format calls, e.g. Anthropic's `?beta=true`). */
  query: string;
  translation: TranslationConfig;
}

/**
 * The upstream request for one target: the caller's body passed through when the provider speaks the caller's
 * format (only the model and stream flags change), otherwise translated into the provider's preferred format.
 */
export function prepareChatRequest(ctx: CallContext, input: ChatRequestInput): PreparedRequest {
  const { caller, body, target, stream } = input;
  const upstreamName = upstreamFormatFor(target.adapter, caller.name);
  const upstream = formatNamed(upstreamName);
  const model = target.upstreamModel;
  const flags = { model, stream, streamUsage: target.provider.stream_usage };
  const same = upstreamName === caller.name;
  let upstreamBody: Json;
  let dropped: string[] = [];
  let adjusted: string[] = [];
  if (same) upstreamBody = caller.request.forUpstream(body, flags);
  else {
    const translated = translateRequest(body, {
      source: caller.name,
      target: upstreamName,
      upstreamModel: model,
      providerType: target.provider.type,
      options: { strict: input.translation.strict, reasoningBudgets: input.translation.reasoning_budgets },
      defaultMaxTokens: target.provider.default_max_tokens,
      ...(target.maxOutputTokens !== undefined ? { maxOutputTokens: target.maxOutputTokens } : {}),
      stream,
    });
    upstreamBody = upstream.request.forUpstream(translated.body, flags);
    dropped = translated.dropped;
    adjusted = translated.adjusted;
  }
  const endpoint = target.adapter.endpoint({
    operation: 'chat',
    format: upstreamName,
    model,
    apiKey: ctx.caller?.providerKey ?? target.provider.api_key ?? '',
    ...(same ? { callerHeaders: input.headers, query: input.query } : {}),
  });
  return { endpoint, body: JSON.stringify(upstreamBody), format: upstreamName, dropped, adjusted };
}
