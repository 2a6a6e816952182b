export { FAKE_ANTHROPIC_MODELS, startFakeAnthropic, type FakeAnthropicOptions } from './fake-anthropic';
export { startFakeOpenAI, type FakeOpenAIOptions } from './fake-openai';
export { fakeEmbedding, toBase64Float32 } from './openai/embeddings';
export { FAKE_OPENAI_MODELS } from './openai/models';
export { BEHAVIOURS, behaviourOf, type Behaviour } from './shared/behaviour';
export type { FakeServer, FakeServerOptions, RecordedRequest } from './shared/server';
export { countWords, estimateTokens } from './shared/text';
