export * from './router-engine';
export * from './tier-table';
