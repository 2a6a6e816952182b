export * from './classifier';
export * from './features-classifier';
export * from './llm-classifier';
export * from './logistic-model';
export * from './request-features';
export * from './train';
export * from './trained-classifier';
