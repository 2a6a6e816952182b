import { checkDate } from '@lessllm/store';

export interface DoctorRangeOptions {
  days: number;
  since?: string;
  until?: string;
}

/** '2024-06-01', '2024-06-01 10:00', '2024-06-01T10:00:00.000Z': always UTC. */
function utc(name: string, value: string): Date {
  const problem = checkDate(`--${name}`, value);
  if (problem) throw new Error(problem);
  const iso = value.length === 10 ? `${value}T00:00:00Z` : `${value.replace(' ', 'T').replace(/Z?$/, 'Z')}`;
  return new Date(iso);
}

/** [since, until): --since/--until when given, else the last --days days up to the end of the current hour. */
export function doctorScope(options: DoctorRangeOptions, now = new Date()): { from: Date; to: Date } {
  if (!Number.isInteger(options.days) || options.days <= 0) throw new Error('--days must be a positive integer');
  const to = options.until ? utc('until', options.until) : now;
  const from = options.since ? utc('since', options.since) : new Date(to.getTime() - options.days * 86_400_000);
  if (to.getTime() <= from.getTime()) throw new Error('--until must be after --since');
  return { from, to };
}
