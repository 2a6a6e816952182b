import type { AnthropicErrorBody, ApiFormat, OpenAIErrorBody } from '@lessllm/shared';
import { errorKindInfo, type GatewayError } from '@lessllm/shared';

/** A gateway error in the caller's own API format. */
export function errorBody(
  format: ApiFormat,
  err: GatewayError,
  requestId: string,
): OpenAIErrorBody | AnthropicErrorBody {
  const info = errorKindInfo(err.kind);
  if (format === 'anthropic')
    return { type: 'error', error: { type: info.anthropicType, message: err.message }, request_id: requestId };
  return { error: { message: err.message, type: info.openaiType, param: err.param, code: err.code } };
}

/** Which API format a path speaks: Anthropic's Messages routes, otherwise OpenAI's. */
export function formatOfPath(url: string): ApiFormat {
  return url.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}
