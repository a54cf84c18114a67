/**
 * What an isolate does at start-up (module scope, where Workers allow ~1 s of CPU) so that its
 * first request costs about what the ones after it do. V8 compiles every JS function on its first
 * call and a WebAssembly function on its first call too (baseline code, several times slower),
 * optimising both only once they have run enough; Hono's router builds its matcher on the first
 * match. Without this, the first request pays for all of that.
 *
 * So, before any request, in this order:
 *  1. the default model is prepared (registry.preloadDefault);
 *  2. the image pipeline (decode, resize, input quantization of a small JPEG) runs PIPELINE_RUNS
 *     times for the default model, and once for an RGB model (the default model is gray, the other
 *     bundled ones are not). V8 runs a WebAssembly function in baseline code (Liftoff) until it
 *     has executed enough to be compiled optimised (TurboFan, on a background thread), and the
 *     two decodes of the warm-up requests alone do not get there for all of the decoder's and the
 *     resampler's hot functions: with --trace-wasm-compilation-times in workerd, 5 of them were
 *     tiered up during the first 5 requests of a 640x427 photo (2-3 in the first), i.e. those
 *     requests ran them in baseline code. These passes come first so that the background
 *     compiles they start overlap with the rest of the start-up rather than the first request.
 *     Then a photo-sized resize's taps are computed TAP_RUNS times (JavaScript: see TAP_RUNS);
 *  3. the default model runs MODEL_RUNS times;
 *  4. real requests go through the Worker's own fetch (index.ts) and the app: POST /v1/classify
 *     with the same JPEG, answered with JSON, exactly as a client's would be (router, middleware,
 *     validation, body reading, decode, resize, inference, top-k, the JSON answer).
 * What the first request still compiles: `npm run bench:recompiles -- --js` (no JavaScript since
 * 2026-12-08, test/node/first-request-js.test.ts; the WebAssembly a Liftoff flush drops, test/node/
 * liftoff-recompiles.test.ts).
 *
 * workerd refuses, at module scope, to create a Request or Response with a body, to set a timer
 * and to make random numbers (tools/bench/request: "Disallowed operation called within global
 * scope"). For the warm-up requests only, three stand-ins fill in (`standIns`): the request's
 * body is a stream of the JPEG set on a body-less Request; `Response` builds the answer without a
 * body (the JSON is kept beside it, so it can be checked); `setTimeout`/`clearTimeout` (the body
 * deadline) do nothing. They are installed for the duration of the warm-up and removed when it
 * settles; the warm-up does no I/O, so it settles within module evaluation (warmup.test.ts checks
 * that, and that the answer was a 200 with predictions). Should a future change make the warm-up
 * wait on real I/O or a timer, it would not settle there, and the stand-ins would break every real
 * request (body-less answers, timers that never fire): so the Worker's fetch calls `endWarmUp()`
 * before it handles a request, which removes them if they are still in and says so in the log.
 * The request id comes from a `cf-ray`
 * header (no random UUID) and the result cache is off for it (RESULT_CACHE_TTL = 0: the Cache API
 * is I/O).
 *
 * Measured (npm run bench:request, cold start, 640x427 JPEG to the default model, workerd CPU):
 * see README "Whole requests" and docs/benchmarks/request.md.
 */
import type { Env } from './env.ts';
import { imageToEngineInput, imageToInput } from './image/input.ts';
import type { OrientedView } from './image/orient.ts';
import { centerCropOffset, resizedSize, resizeShortSide } from './image/preprocess.ts';
import { windowTaps } from './image/resample.ts';
import { inputQuantizeParams, type ModelRegistry } from './model/registry.ts';
import { WARM_UP_JPEG_BASE64 } from './warmup-jpeg.ts';

/** Runs of the default model at start-up: enough for V8 to optimise the kernels of a small model. */
const MODEL_RUNS = 5;
/** Warm-up classify requests through the app. */
const REQUESTS = 2;
/**
 * Passes of the image pipeline for the default model, so that V8 tiers up the decoder's and
 * resampler's hot wasm functions at start-up (2. above). Traced in workerd: with 12 no decoder or
 * resampler function was tiered up in the first 4 requests; with 30 the largest ones (jd_decode,
 * read_markers: 20-120 ms of TurboFan each, on a background thread) were tiered up too, which
 * took start-up CPU (whole process) from ~140 to ~230 ms for little more. (Since native/jpeg's
 * set-up files are -Oz, jd_decode, 14 KB, is tiered up within 12: ~+20 ms.) 16 (from 12): the
 * resampler's input quantization for the 64² default model (2.6 KB) is tiered up at start-up too
 * (with 12 it was during the second request): optimised code is what survives the drops of
 * baseline code workerd causes (tools/repro/liftoff-flush), so the first request after one does
 * not compile it again (npm run bench:recompiles); ~+3 ms of start-up.
 */
export const PIPELINE_RUNS = 16;
/**
 * Photo-sized resize set-ups computed at start-up (resample.ts `windowTaps`: the Pillow taps of a
 * 640x480 photo's resize and crop for the default model), twice. The pipeline passes above resize
 * the same 256x171 JPEG every time, and the wasm resampler keeps its taps for the same geometry,
 * so `coefficients` ran only twice at start-up, with 7 taps per output; in the first photo's
 * request (15-17 taps per output for 640x427 at 64²) V8 marked it for optimisation
 * (--trace-opt, every time), so that request ran it in baseline code (a 640x427 photo's two
 * calls: ~0.2 ms in Node 24's baseline code, ~0.03 optimised). One call here gets it marked,
 * the second starts the compile (on a background thread), so it is optimised before any request.
 */
export const TAP_RUNS = 2;
/** The path they take (the default model, as a client without ?model= gets it). */
export const WARM_UP_PATH = '/v1/classify?top_k=5';

/** What the warm-up did, for warmup.test.ts and a log line when it failed. */
export interface WarmUpReport {
  /** The default model was prepared. */
  prepared: boolean;
  /** Per warm-up request: its status and JSON answer, or why it failed. */
  answers: Array<{ status: number; json: string } | { error: string }>;
  /** Passes of the image pipeline that produced a model input of the right size. */
  pipelineRuns: number;
  /** Whether the stand-ins are gone again (set when the warm-up settles). */
  settled: boolean;
}

export const warmUpReport: WarmUpReport = { prepared: false, answers: [], pipelineRuns: 0, settled: false };

function bytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * A body-less Request whose `body` is a stream of `data` (a Request with a body cannot be made at
 * module scope; the stream is an own property that shadows the prototype's getter).
 */
function warmUpRequest(url: string, data: Uint8Array): Request {
  const req = new Request(url, { method: 'POST', headers: { 'cf-ray': 'warm-up', 'content-type': 'image/jpeg', 'content-length': String(data.length) } });
  // A byte stream, as workerd's request bodies are, so the body is read the BYOB way a real
  // request's is (middleware/body.ts) and that path is compiled before the first request too.
  const body = new ReadableStream({
    type: 'bytes',
    start(c) {
      c.enqueue(data.slice());
      c.close();
    },
  });
  Object.defineProperty(req, 'body', { value: body });
  return req;
}

/**
 * The last text body an answer was built with while the stand-ins are in (a body-less Response
 * carries only its status and headers; Hono may copy it into another Response on the way out).
 */
let lastBody = '';

/** Removes the stand-ins while they are installed; null once they are gone (or never were). */
let removeStandIns: (() => void) | null = null;

/**
 * True only while the warm-up itself calls the Worker's fetch (synchronously, up to its first
 * await): that call's `endWarmUp()` must leave the stand-ins in.
 */
let ownCall = false;

/** What the warm-up requests go through: the Worker's fetch handler (index.ts), or the app. */
export interface WarmUpHandler {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response>;
}

/**
 * Called by the Worker's fetch before every request: if the warm-up has not settled yet (it
 * should always have, within module evaluation), its stand-ins go now, and the log says so.
 * Idempotent and cheap: one null test once the warm-up is over.
 */
export function endWarmUp(): void {
  if (!removeStandIns || ownCall) return;
  removeStandIns();
  console.error('start-up: the warm-up had not settled before the first request; its stand-ins were removed');
}

/**
 * Installs the stand-ins for `Response`, `setTimeout` and `clearTimeout` and returns the function
 * that removes them. While installed, they act only on the warm-up: `active` is false otherwise,
 * and then they behave exactly as the real ones.
 */
function standIns(): () => void {
  const g = globalThis as unknown as { Response: typeof Response; setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };
  const real = { Response: g.Response, setTimeout: g.setTimeout, clearTimeout: g.clearTimeout };
  let active = true;
  g.Response = class WarmUpResponse extends real.Response {
    constructor(body?: BodyInit | null, init?: ResponseInit) {
      if (!active) {
        super(body, init);
        return;
      }
      super(null, init);
      if (typeof body === 'string') lastBody = body;
    }
  };
  g.setTimeout = ((fn: () => void, ms?: number) => (active ? 0 : real.setTimeout(fn, ms))) as typeof setTimeout;
  g.clearTimeout = ((id?: number) => (active ? undefined : real.clearTimeout(id))) as typeof clearTimeout;
  return () => {
    active = false;
    Object.assign(g, real);
    removeStandIns = null;
  };
}

/** Prepares the default model and runs requests through `app`. Failures are logged, never thrown. */
export function warmUp(registry: ModelRegistry, env: Env, app: WarmUpHandler): void {
  const classifier = registry.preloadDefault(env.MODEL, env.ENGINE);
  warmUpReport.prepared = classifier !== null;
  if (!classifier) return;
  const p = classifier.header.preprocessing;
  const jpeg = bytes(WARM_UP_JPEG_BASE64);
  const warmEnv: Env = { ...env, RESULT_CACHE_TTL: '0' };
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  const remove = standIns();
  removeStandIns = remove;
  const run = async () => {
    // The image pipeline as a request runs it (decode, resize and the input quantization in the
    // resampler's module), PIPELINE_RUNS times, then once for an RGB model.
    const params = inputQuantizeParams(classifier.header);
    const pipeline = async (pp: typeof p) => (params ? (await imageToEngineInput(jpeg, pp, params)).int8 : (await imageToInput(jpeg, pp)).pixels);
    try {
      for (let i = 0; i < PIPELINE_RUNS; i++) {
        if ((await pipeline(p)).length === p.input_size * p.input_size * 3) warmUpReport.pipelineRuns++;
      }
      if (p.grayscale) await pipeline({ ...p, grayscale: false });
      const photo = { width: 640, height: 480 } as OrientedView;
      const [outW, outH] = resizedSize(photo.width, photo.height, resizeShortSide(p));
      for (let i = 0; i < TAP_RUNS; i++) {
        windowTaps(photo, outW, outH, p.interpolation, centerCropOffset(outW, p.input_size), centerCropOffset(outH, p.input_size), p.input_size);
      }
    } catch (e) {
      console.error(`start-up: the image pipeline failed on the warm-up JPEG: ${(e as Error).message}`);
    }
    try {
      const int8 = new Int8Array(3 * p.input_size * p.input_size);
      for (let i = 0; i < MODEL_RUNS; i++) classifier.runInt8(int8);
    } catch (e) {
      console.error(`start-up: the default model's first run failed: ${(e as Error).message}`);
    }
    for (let i = 0; i < REQUESTS; i++) {
      try {
        lastBody = '';
        // Through the Worker's own fetch when given (index.ts), so that V8 compiles it and
        // endWarmUp() here, not in the first request.
        let pending: Response | Promise<Response>;
        ownCall = true;
        try {
          pending = app.fetch(warmUpRequest(`http://warm-up.invalid${WARM_UP_PATH}`, jpeg), warmEnv, ctx);
        } finally {
          ownCall = false;
        }
        const res = await pending;
        warmUpReport.answers.push({ status: res.status, json: lastBody });
      } catch (e) {
        warmUpReport.answers.push({ error: (e as Error).message });
      }
    }
  };
  run()
    .catch((e) => warmUpReport.answers.push({ error: (e as Error).message }))
    .finally(() => {
      if (removeStandIns === remove) remove();
      warmUpReport.settled = true;
      const bad = warmUpReport.answers.filter((a) => !('status' in a) || a.status !== 200);
      if (bad.length) console.error(`start-up: a warm-up request did not answer 200: ${JSON.stringify(bad[0]).slice(0, 300)}`);
    });
}
