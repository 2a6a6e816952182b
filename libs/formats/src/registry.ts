import { GatewayError } from '@lessllm/shared';
import { anthropicMessages } from './anthropic-messages';
import { openaiChat } from './openai-chat';
import { openaiCompletions } from './openai-completions';
import { openaiResponses } from './openai-responses';
import type { FormatName, WireFormat } from './wire-format';

/** Every wire format by name. Adding a format: one folder and one line here. */
export const formats: Readonly<Record<FormatName, WireFormat>> = {
  'openai-chat': openaiChat,
  'anthropic-messages': anthropicMessages,
  'openai-responses': openaiResponses,
  'openai-completions': openaiCompletions,
};

/** Names older CallEvents (version 1) and api_calls rows used for the two first formats. */
const LEGACY_NAMES: Record<string, FormatName> = { openai: 'openai-chat', anthropic: 'anthropic-messages' };

export function formatNamed(name: string): WireFormat {
  const format = formats[LEGACY_NAMES[name] ?? name];
  if (!format) throw new GatewayError('internal', `unknown wire format "${name}"`);
  return format;
}

/** The format for a stored name, or undefined (rows and events from elsewhere). */
export function findFormat(name: string | null | undefined): WireFormat | undefined {
  if (!name) return undefined;
  return formats[LEGACY_NAMES[name] ?? name];
}

/** Which format's error shape a request path gets (Anthropic's routes, otherwise OpenAI's). */
export function formatOfPath(url: string): WireFormat {
  return url.startsWith('/v1/messages') ? anthropicMessages : openaiChat;
}
