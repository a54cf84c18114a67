/**
 * The Worker that tools/bench/workerd.ts runs in workerd: it loads the int8 engine exactly as the
 * service does (the .wasm imported as a compiled module, the model as a Data module) and times
 * `runs` inferences of the posted CHW input per request. Not part of the service.
 */
import simd128 from './engine.simd128.wasm';
import relaxed from './engine.relaxed.wasm';
import baseline from './engine.baseline.wasm';
import model from './bench-model.gnv2';
import { readModelFile } from '../../worker/model/format.ts';
import { Int8Engine } from '../../worker/model/engine.ts';

const engines = new Map<string, Promise<Int8Engine>>();

/** The engine of a build, loaded on first use like the service does (SHA-256 check, parse, prepare); also how long that took. */
async function engine(build: string): Promise<{ e: Int8Engine; loadMs: number }> {
  let p = engines.get(build);
  const t0 = Date.now();
  const first = !p;
  if (!p) engines.set(build, (p = readModelFile(model as ArrayBuffer).then((m) => Int8Engine.create(m, build === 'relaxed' ? relaxed : build === 'baseline' ? baseline : simd128))));
  const e = await p;
  return { e, loadMs: first ? Date.now() - t0 : 0 };
}

export default {
  async fetch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const runs = Number(url.searchParams.get('runs') ?? '5');
    const { e, loadMs } = await engine(url.searchParams.get('build') ?? 'simd128');
    const chw = new Float32Array(await req.arrayBuffer());
    // Date.now() has whole-millisecond resolution here: time `runs` inferences together.
    const t0 = Date.now();
    let top = 0;
    for (let i = 0; i < runs; i++) top += e.run(chw).logits[0];
    const ms = (Date.now() - t0) / runs;
    return Response.json({ ms, loadMs, variant: e.variant, check: top });
  },
};
