export * from './compute-cost';
export * from './find-price';
export * from './price-table';
export * from './price-types';
