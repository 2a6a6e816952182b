import { z } from 'zod';
import { nonEmptyString, optionalInt, optionalNumber } from '../common/validate';

const item = z.looseObject({});

export const responsesRequestSchema = z.looseObject({
  model: nonEmptyString,
  input: z.union([z.string(), z.array(item)], { message: 'must be a string or an array of input items' }),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().min(1).nullish(),
  max_output_tokens: optionalInt,
  temperature: optionalNumber,
  top_p: optionalNumber,
  tools: z.array(z.looseObject({ type: nonEmptyString })).nullish(),
  text: z.looseObject({ format: z.looseObject({ type: nonEmptyString }).nullish() }).nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

/** `POST /v1/responses/input_tokens`: the input parts of a create request. */
export const inputTokensRequestSchema = responsesRequestSchema.partial({ model: true });
