import { LexicalEmbedder, OpenAICompatibleEmbedder, type Embedder } from '../../apps/gateway/src/semantic-cache';

export interface EvalEmbedders {
  embedders: Embedder[];
  skipped: string[];
}

/** The lexical embedder always; a neural one only when an endpoint/key is configured (no network otherwise). */
export function evalEmbedders(env: NodeJS.ProcessEnv = process.env): EvalEmbedders {
  const embedders: Embedder[] = [new LexicalEmbedder()];
  const skipped: string[] = [];
  const url = env.LESSLLM_EVAL_EMBEDDINGS_URL;
  const key = env.LESSLLM_EVAL_EMBEDDINGS_KEY ?? env.OPENAI_API_KEY;
  if (url || key) {
    embedders.push(
      new OpenAICompatibleEmbedder({
        baseUrl: url ?? 'https://api.openai.com/v1',
        apiKey: key ?? '',
        model: env.LESSLLM_EVAL_EMBEDDINGS_MODEL ?? 'text-embedding-3-small',
        dimensions: Number(env.LESSLLM_EVAL_EMBEDDINGS_DIMS ?? 1536),
      }),
    );
  } else {
    skipped.push(
      'neural (text-embedding-3-small): skipped - neither OPENAI_API_KEY nor LESSLLM_EVAL_EMBEDDINGS_URL is set ' +
        '(no network access assumed; set one to evaluate it)',
    );
  }
  return { embedders, skipped };
}
