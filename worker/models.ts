/**
 * The models bundled with the Worker: the list generated from models/manifest.json by
 * `npm run build` (build/models.ts; add with `npx ghostnet-edge add-model`). Its `default: true`
 * entry is the default model. Their `name` is what the `model` parameter and the MODEL var take.
 *
 * This list is its own module so that a build can substitute it: `npm run bench:request` bundles
 * the real Worker with one more model by `wrangler deploy --alias ./models.ts:<its own list>`,
 * and the workerd tests resolve build/models.ts to build/models.test.ts (vitest.config.ts), which
 * adds the test fixture models; the deployed Worker never bundles those.
 */
export { MODELS } from '../build/models.ts';
