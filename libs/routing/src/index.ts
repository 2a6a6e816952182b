export * from './classifiers';
export * from './engine';
