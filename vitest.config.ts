import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';

/** Where the workerd tests take the engine builds from: build/, or GHOSTNET_BUILD_DIR (see tools/engine-node.ts). */
const BUILD_DIR = process.env.GHOSTNET_BUILD_DIR ? resolve(process.env.GHOSTNET_BUILD_DIR) : undefined;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            main: './worker/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            // The result cache off for the workerd tests: they send the same photos again and again
            // and would otherwise test cache hits instead of the pipeline. The result-cache and
            // classify-url tests turn it on per request (fetchWithEnv).
            miniflare: { bindings: { RESULT_CACHE_TTL: '0' } },
          }),
        ],
        // The Worker's models plus the test fixture models (test/fixtures/models/manifest.json):
        // tiny-synthetic is served to these tests only, never by the deployed Worker.
        // GHOSTNET_BUILD_DIR (npm run test:mutants) swaps the engine builds for those in that directory.
        resolve: {
          alias: [
            { find: /^.*\/build\/models\.ts$/, replacement: fileURLToPath(new URL('./build/models.test.ts', import.meta.url)) },
            ...(BUILD_DIR ? [{ find: /^.*\/build\/(engine\.\w+\.wasm)$/, replacement: `${BUILD_DIR}/$1` }] : []),
          ],
        },
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          globalSetup: ['test/workers/cli-agreement.setup.ts', 'test/workers/image-origin.setup.ts'],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
