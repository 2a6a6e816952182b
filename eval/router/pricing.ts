/* eslint-disable no-restricted-imports -- vite-node (the eval:router script) does not read the tsconfig / vitest
   path aliases, so '@lessllm/shared' does not resolve in this eval; the pricing module has no dependencies, so it
   is imported directly. */
export { computeCost, findPrice, type ModelPrice } from '../../libs/shared/src/pricing';
