import type { FakeRequest } from '../shared/server';
import type { OpenAIFakeState } from './options';
import { ERRORS, sendError, sendJson } from './respond';

const CREATED = 1_715_367_049;

export const FAKE_OPENAI_MODELS = [
  { id: 'gpt-4o-mini', object: 'model', created: CREATED, owned_by: 'openai' },
  { id: 'gpt-4o', object: 'model', created: CREATED, owned_by: 'openai' },
  { id: 'gpt-4.1-mini', object: 'model', created: CREATED, owned_by: 'openai' },
  { id: 'text-embedding-3-small', object: 'model', created: CREATED, owned_by: 'openai' },
  { id: 'fast', object: 'model', created: CREATED, owned_by: 'lessllm-fake' },
] as const;

/** `GET /v1/models` and `GET /v1/models/:id`. */
export function handleModels(fake: FakeRequest, state: OpenAIFakeState, id?: string): void {
  if (id === undefined) return sendJson(fake, state, 200, { object: 'list', data: FAKE_OPENAI_MODELS });
  const model = FAKE_OPENAI_MODELS.find((m) => m.id === id);
  if (model) sendJson(fake, state, 200, model);
  else sendError(fake, state, 404, ERRORS.modelNotFound(id));
}
