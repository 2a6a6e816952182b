export * from './encodings';
export * from './prompt-sink';
export * from './token-counter';
export * from './tool-overhead';
