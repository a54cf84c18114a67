/**
 * The models bundled with the Worker: the list generated from models/manifest.json by
 * `npm run build` (build/models.ts; add with `npx ghostnet-edge add-model`). Its `default: true`
 * entry is the default model. Their `name` is what the `model` parameter and the MODEL var take.
 * Each entry records the file's SHA-256 (read at build time); the Worker trusts a listed file by
 * it without hashing at run time, and test/workers/bundled-models.test.ts recomputes every digest.
 *
 * This list is its own module so that a build can substitute it: `npm run bench:request` bundles
 * the real Worker with one more model (an `alias` of ./models.ts in a copy of wrangler.toml),
 * and the workerd tests resolve build/models.ts to build/models.test.ts (vitest.config.ts), which
 * adds the test fixture models; the deployed Worker never bundles those.
 */
export { MODELS } from '../build/models.ts';
