import { GatewayError } from '@lessllm/shared';
import type { IRRequest } from '../ir/chat';
import type { TranslationContext } from '../translation-context';
import { describe } from './guards';

/**
 * Presence and frequency penalties for a target without them: 0 is the same request, anything else changes the
 * answer and is refused (400 naming the field). `why` says what the target lacks, for the message.
 */
export function refuseNonZeroPenalties(sampling: IRRequest['sampling'], ctx: TranslationContext, why: string): void {
  for (const [param, value] of [
    ['presence_penalty', sampling.presencePenalty],
    ['frequency_penalty', sampling.frequencyPenalty],
  ] as const) {
    if (value != null && value !== 0) {
      throw GatewayError.unsupported(param, `${param}=${describe(value)} is not supported ${ctx.onTarget} (${why})`);
    }
  }
}
