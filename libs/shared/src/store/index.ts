export * from './api-call-row';
export * from './call-store.port';
export * from './rollup.port';
