import { randomUUID } from 'node:crypto';

/** `msg_abc` -> `chatcmpl-abc`: keeps the upstream id recognisable in the caller's format. */
export function openaiIdFromAnthropic(messageId: string): string {
  return `chatcmpl-${messageId.startsWith('msg_') ? messageId.slice('msg_'.length) : messageId}`;
}

export function anthropicIdFromOpenAI(completionId: string): string {
  return `msg_${completionId}`;
}

/** For streams that never told us their id. */
export function mintOpaqueId(prefix: string): string {
  return `${prefix}${randomUUID().replace(/-/g, '')}`;
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
