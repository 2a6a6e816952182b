import { request } from 'undici';

export interface LlmCompletionOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

interface ChatCompletion {
  choices?: { message?: { content?: unknown } }[];
}

/**
 * One short, deterministic chat completion through an OpenAI-compatible endpoint (typically the gateway itself,
 * so the rating calls are recorded and priced like any other call). Resolves to the answer's text.
 */
export function llmCompletion(o: LlmCompletionOptions): (prompt: string) => Promise<string> {
  const url = `${o.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return async (prompt) => {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) },
      body: JSON.stringify({
        model: o.model,
        messages: [{ role: 'user', content: prompt }],
        temperature: 0,
        max_tokens: 8,
      }),
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    const text = await res.body.text();
    // The body is not quoted: an upstream error body may echo parts of a key.
    if (res.statusCode !== 200) throw new Error(`rating model answered HTTP ${res.statusCode}`);
    const content = (JSON.parse(text) as ChatCompletion).choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new Error('rating model answered without text');
    return content;
  };
}
