import { handleChat } from './openai/chat';
import { handleCompletions } from './openai/completions';
import { handleEmbeddings } from './openai/embeddings';
import { handleModels } from './openai/models';
import { createOpenAIState, type FakeOpenAIOptions, type OpenAIFakeState, resetOpenAIState } from './openai/options';
import { ERRORS, sendError, sendJsonText } from './openai/respond';
import { handleInputTokens, handleResponses } from './openai/responses';
import { type FakeRequest, type FakeServer, startFakeServer } from './shared/server';
import { maskKey } from './shared/text';

export type { FakeOpenAIOptions } from './openai/options';

/**
 * Path prefixes that speak plain OpenAI: api.openai.com, Gemini's OpenAI-compat endpoint, Azure's v1 API. Chat
 * Completions, Responses (with /responses/input_tokens), legacy Completions, embeddings and models.
 */
const PREFIXES = ['/v1', '/v1beta/openai', '/openai/v1'] as const;
const AZURE_DEPLOYMENT = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;

type Route =
  | { kind: 'chat' | 'embeddings' | 'responses' | 'input_tokens' | 'completions'; azure: boolean; deployment?: string }
  | { kind: 'models'; azure: boolean; id?: string };

function route(method: string, path: string): Route | undefined {
  const azureMatch = method === 'POST' ? AZURE_DEPLOYMENT.exec(path) : null;
  if (azureMatch) {
    const deployment = decodeURIComponent(azureMatch[1]);
    return { kind: azureMatch[2] === 'embeddings' ? 'embeddings' : 'chat', azure: true, deployment };
  }
  for (const prefix of PREFIXES) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const azure = prefix === '/openai/v1';
    if (method === 'POST' && rest === '/chat/completions') return { kind: 'chat', azure };
    if (method === 'POST' && rest === '/embeddings') return { kind: 'embeddings', azure };
    if (method === 'POST' && rest === '/responses') return { kind: 'responses', azure };
    if (method === 'POST' && rest === '/responses/input_tokens') return { kind: 'input_tokens', azure };
    if (method === 'POST' && rest === '/completions') return { kind: 'completions', azure };
    if (method === 'GET' && rest === '/models') return { kind: 'models', azure };
    if (method === 'GET' && rest.startsWith('/models/')) {
      return { kind: 'models', azure, id: decodeURIComponent(rest.slice('/models/'.length)) };
    }
  }
  return undefined;
}

const AZURE_401 = JSON.stringify({
  error: {
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  },
});
const AZURE_404 = JSON.stringify({ error: { code: '404', message: 'Resource not found' } });

/** Returns true when the request is authorised; otherwise answers 401 itself. */
function authorise(fake: FakeRequest, state: OpenAIFakeState, azure: boolean): boolean {
  const auth = fake.header('authorization');
  const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  if (azure) {
    if ((fake.header('api-key') ?? bearer) === state.apiKey) return true;
    sendJsonText(fake, 401, { 'x-request-id': fake.requestId }, AZURE_401);
    return false;
  }
  if (bearer === state.apiKey) return true;
  sendError(fake, state, 401, bearer ? ERRORS.badKey(maskKey(bearer)) : ERRORS.noKey);
  return false;
}

async function dispatch(fake: FakeRequest, state: OpenAIFakeState): Promise<void> {
  const r = route(fake.method, fake.path);
  if (!r) return sendError(fake, state, 404, ERRORS.invalidUrl(fake.method, fake.path));
  if (!authorise(fake, state, r.azure)) return;
  if (r.kind === 'models') return handleModels(fake, state, r.id);
  if (r.deployment !== undefined && !/(^|&)api-version=[^&]+/.test(fake.queryString)) {
    return sendJsonText(fake, 404, { 'x-request-id': fake.requestId }, AZURE_404);
  }
  if (r.kind === 'chat') return handleChat(fake, state, r.deployment);
  if (r.kind === 'responses') return handleResponses(fake, state);
  if (r.kind === 'input_tokens') return handleInputTokens(fake, state);
  if (r.kind === 'completions') return handleCompletions(fake, state);
  return handleEmbeddings(fake, state, r.deployment);
}

/**
 * Starts a fake OpenAI-compatible server (`/v1/...`, Azure `/openai/deployments/:d/...?api-version=`, Azure
 * `/openai/v1/...`, Gemini `/v1beta/openai/...`). Behaviour is selected by the model (or Azure deployment) name.
 */
export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeServer> {
  const state = createOpenAIState(opts);
  return startFakeServer(
    (fake) => dispatch(fake, state),
    opts,
    () => resetOpenAIState(state),
  );
}
