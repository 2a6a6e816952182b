import { nonEmptyString } from '@lessllm/formats';
import { z } from 'zod';

export { validateBody } from '@lessllm/formats';

// The chat formats' schemas live with their format (libs/formats/src/<format>/schema.ts); embeddings is not a chat
// format, so its shape check stays here.
export const embeddingsRequestSchema = z.looseObject({
  model: nonEmptyString,
  input: z.union([
    z.string(),
    z.array(z.string()).min(1, 'must not be empty'),
    z.array(z.number()).min(1, 'must not be empty'),
    z.array(z.array(z.number())).min(1, 'must not be empty'),
  ]),
});
