/**
 * Bench-only routes (`npm run bench:request` and tools/bench/request/): off unless the var
 * BENCH_ROUTES is "1" (the bench sets it); otherwise they answer 404 like any unknown path, and
 * they are not in the OpenAPI document.
 *
 *  - POST /v1/bench/noop: a request that does nothing but what every image request does before
 *    its work starts (routing, the middleware, reading the body under MAX_BODY_BYTES), answering a
 *    tiny JSON. The bench times it with the same bodies as /v1/classify and subtracts it, so what
 *    remains is the classification's own cost.
 *  - POST /v1/bench/stages?until=decode|resize|infer|answer&repeat=K[&model=M]: the classify
 *    pipeline of the body run up to a stage, K times in this one request (default 1), so the
 *    bench gets per-stage CPU inside workerd (to set beside the in-process stages of Node) and
 *    per-pipeline against per-request cost. `resize` includes the input's quantization (the
 *    resampler does both: request/run.ts modelInput); `answer` builds classify's whole JSON answer.
 */
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { withDecodedImage } from '../image/decode.ts';
import { resizeShortSide } from '../image/preprocess.ts';
import { bodyLimit } from '../middleware/body.ts';
import { ApiError } from '../middleware/errors.ts';
import type { ModelRegistry } from '../model/registry.ts';
import { inputLimits, modelInput, runContext, runInput } from '../request/run.ts';
import { classifyResult, DEFAULT_TOP_K } from './classify-answer.ts';

const enabled = createMiddleware<AppEnv>(async (c, next) => {
  if (c.env.BENCH_ROUTES !== '1') throw new ApiError(404, 'not_found', `No route ${c.req.path}. See /openapi.json for the API.`);
  await next();
});

export const BENCH_STAGES = ['decode', 'resize', 'infer', 'answer'] as const;
export type BenchStage = (typeof BENCH_STAGES)[number];

export function bench(registry: ModelRegistry) {
  const app = new Hono<AppEnv>();
  app.post('/v1/bench/noop', enabled, bodyLimit(), (c) => c.json({ bytes: c.get('body').length }, 200));
  app.post('/v1/bench/stages', enabled, bodyLimit(), async (c) => {
    const until = c.req.query('until') as BenchStage;
    const repeat = Number(c.req.query('repeat') ?? '1');
    if (!BENCH_STAGES.includes(until)) throw new ApiError(422, 'invalid_parameter', `until must be one of ${BENCH_STAGES.join(', ')}.`);
    if (!Number.isSafeInteger(repeat) || repeat < 1 || repeat > 100) throw new ApiError(422, 'invalid_parameter', 'repeat must be an integer 1..100.');
    const ctx = await runContext(c, registry, c.req.query('model'));
    const classifier = await ctx.classifier();
    const limits = inputLimits(ctx.limits);
    const bytes = c.get('body');
    let check = 0;
    let answer: unknown = null;
    for (let i = 0; i < repeat; i++) {
      if (until === 'decode') {
        const opts = { ...limits, resizeShortSide: resizeShortSide(ctx.preprocessing), mode: limits.decode };
        check += await withDecodedImage(bytes, opts, (img) => img.data[0] + img.width);
        continue;
      }
      const input = await modelInput(bytes, ctx);
      const px = 'int8' in input ? input.int8 : input.pixels;
      if (until === 'resize') {
        check += px[px.length >> 1] + input.size;
        continue;
      }
      const output = runInput(classifier, input);
      if (until === 'infer') {
        check += output.logits[0];
        continue;
      }
      const timing = { ...input.timing, inference_ms: 0 };
      answer = classifyResult({ logits: output.logits, image: input.image, timing, cache: 'off' }, ctx, DEFAULT_TOP_K);
    }
    return c.json({ until, repeat, check, answer }, 200);
  });
  return app;
}
