export * from './cache-policy';
export * from './cache-predictor';
export * from './event-to-row';
export * from './prefix-state-store';
