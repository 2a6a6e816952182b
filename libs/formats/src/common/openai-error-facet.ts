import { errorKindInfo } from '@lessllm/shared';
import type { ErrorFacet } from '../wire-format';
import { normalizeOpenAIErrorBody, openaiErrorBody } from './errors';

/** OpenAI's `{"error": {message, type, param, code}}`, shared by Chat, Responses and legacy Completions. */
export const openaiErrorFacet: ErrorFacet = {
  decode: (body, status) => normalizeOpenAIErrorBody(body, status),
  encode: (error) => JSON.stringify(openaiErrorBody(error)),
  fromGateway(error) {
    const info = errorKindInfo(error.kind);
    return { error: { message: error.message, type: info.openaiType, param: error.param, code: error.code } };
  },
};
