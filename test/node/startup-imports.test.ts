/**
 * The Worker bundles no zod: building zod's schemas at module scope was ~30 ms of an isolate's
 * start-up CPU, and zod bundled behind a lazy import() still ~25 ms (docs/benchmarks/request.md,
 * "Start-up by part"). The routes check their query parameters by hand (routes/query.ts,
 * test/node/query.test.ts) and GET /openapi.json serves the document `npm run build` generated
 * (tools/build/openapi.ts -> build/openapi.ts), which must be the one the routes' zod
 * descriptions (routes/openapi-doc.ts) give now.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { OUT, openApiModule } from '../../tools/build/openapi.ts';

const root = resolve(import.meta.dirname, '../..');
/** Packages that may not be in the Worker's bundle (zod and what builds on it). */
const BANNED = /node_modules\/(zod|@hono\/zod-openapi|@hono\/zod-validator|@asteasolutions\/zod-to-openapi)\//;

/** Every source file the Worker's entry bundles (esbuild, as wrangler bundles it; the .wasm and model modules left out). */
async function bundledInputs(entry: string): Promise<string[]> {
  const r = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*', 'node:*', '*.wasm', '*.gnv2'],
    logLevel: 'silent',
  });
  return Object.keys(r.metafile.inputs);
}

describe('start-up', () => {
  it('the Worker bundles no zod (but does bundle hono, so the check sees node_modules)', async () => {
    const inputs = await bundledInputs('worker/index.ts');
    expect(inputs.filter((f) => BANNED.test(f))).toEqual([]);
    expect(inputs.some((f) => f.includes('node_modules/hono/'))).toBe(true);
    // and the document's zod descriptions would be caught
    expect((await bundledInputs('worker/routes/openapi-doc.ts')).some((f) => BANNED.test(f))).toBe(true);
  });

  it('build/openapi.ts is the document of the routes as they are now (npm run build)', () => {
    expect(readFileSync(join(root, OUT), 'utf8')).toBe(openApiModule());
  });
});
