import { API_KEY } from './settings';

export const CHAT_PATH = '/v1/chat/completions';

/** Sent to every target: the fake checks the key, the pass-through forwards it, the gateway (no auth) ignores it. */
export const HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  authorization: `Bearer ${API_KEY}`,
};

const MESSAGES = [
  { role: 'system', content: 'You are a concise assistant for a customer-support team. Answer in plain English.' },
  {
    role: 'user',
    content:
      'A customer says their invoice for March was charged twice after they upgraded their plan mid-cycle. ' +
      'Summarise the likely cause in one sentence and suggest the next step for the agent.',
  },
];

/** A small, realistic chat completion request (~450 bytes). */
export function chatBody(model: string, stream = false): string {
  return JSON.stringify({
    model,
    messages: MESSAGES,
    temperature: 0.2,
    max_tokens: 128,
    ...(stream ? { stream } : {}),
  });
}

/** `count` distinct cacheable requests (temperature 0), for the response-cache phase. */
export function cacheableBodies(model: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      model,
      messages: [MESSAGES[0], { ...MESSAGES[1], content: `${MESSAGES[1].content} (ticket ${i + 1})` }],
      temperature: 0,
      max_tokens: 128,
    }),
  );
}
