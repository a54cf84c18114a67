import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';

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
        plugins: [cloudflareTest({ main: './worker/index.ts', wrangler: { configPath: './wrangler.toml' } })],
        // The Worker's models plus the test fixture models (test/fixtures/models/manifest.json):
        // tiny-synthetic is served to these tests only, never by the deployed Worker.
        resolve: { alias: [{ find: /^.*\/build\/models\.ts$/, replacement: fileURLToPath(new URL('./build/models.test.ts', import.meta.url)) }] },
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          globalSetup: ['test/workers/cli-agreement.setup.ts'],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
