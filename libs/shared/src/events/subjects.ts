/** NATS subjects: lowercase, dotted, verb in the past tense. The key, the constant and the wire name match. */
export const Subjects = {
  'lessllm.calls.completed': 'lessllm.calls.completed',
  'lessllm.router.decide': 'lessllm.router.decide',
} as const;
export type Subject = keyof typeof Subjects;
