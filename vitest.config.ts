import path from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC (not esbuild) so NestJS decorator metadata is emitted in tests too.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: {
      '@lessllm/shared': path.resolve(__dirname, 'libs/shared/src/index.ts'),
      '@lessllm/messaging': path.resolve(__dirname, 'libs/messaging/src/index.ts'),
      '@lessllm/providers': path.resolve(__dirname, 'libs/providers/src/index.ts'),
      '@lessllm/formats': path.resolve(__dirname, 'libs/formats/src/index.ts'),
      '@lessllm/tokens': path.resolve(__dirname, 'libs/tokens/src/index.ts'),
      '@lessllm/store': path.resolve(__dirname, 'libs/store/src/index.ts'),
      '@lessllm/http': path.resolve(__dirname, 'libs/http/src/index.ts'),
      '@lessllm/routing': path.resolve(__dirname, 'libs/routing/src/index.ts'),
      '@lessllm/sdk': path.resolve(__dirname, 'libs/sdk/src/index.ts'),
      '@lessllm/gateway': path.resolve(__dirname, 'apps/gateway/index.ts'),
      '@lessllm/analyzer': path.resolve(__dirname, 'apps/analyzer/index.ts'),
      '@lessllm/router': path.resolve(__dirname, 'apps/router/index.ts'),
      '@lessllm/server': path.resolve(__dirname, 'apps/server/index.ts'),
    },
  },
  test: {
    include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'test/**/*.e2e.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
