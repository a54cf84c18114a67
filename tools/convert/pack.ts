/**
 * Prepared weights for the model file (format 2, models/FORMAT.md "Prepared weights"): each
 * conv's packed weights for the chosen engine builds, its folded bias and its requantization
 * scales, computed by the engine's own prepare (Int8Engine with `record`), so that a Worker's
 * prepare only copies them and can never disagree with what it would compute.
 */
import { parseModelFile, writeModelFile, type Packing, type TensorToWrite } from '../../worker/model/format.ts';
import { Int8Engine } from '../../worker/model/engine.ts';
import { engineModule } from '../engine-node.ts';

/** What `--pack` takes: an engine build whose packed weights to store, or `plain` (weights any build can pack). */
export const PACK_TARGETS = ['simd128', 'relaxed', 'plain'] as const;
export type PackTarget = (typeof PACK_TARGETS)[number];
/**
 * The default: SIMD128 (what the Worker runs without AVX-VNNI; the relaxed build repacks it at load,
 * Int8Engine.checkPacking), nothing else, so the bundle stays small.
 */
export const DEFAULT_PACK: PackTarget[] = ['simd128'];

export class PackError extends Error {}

/**
 * An int8 model file with plain weights (as writeInt8Model writes it, or a format-2 file packed
 * with `plain`) → the same model with prepared weights for `targets`: `<conv>.packed.<build>` per
 * build, `<conv>.bias_folded` and `<conv>.requant` always, the plain `<conv>.weight` only with
 * `plain`. The plain bias and weight scales are not kept (the prepared ones replace them).
 */
export async function packInt8Model(file: Uint8Array, targets: readonly PackTarget[]): Promise<Uint8Array> {
  const model = parseModelFile(file);
  if (model.header.precision !== 'int8') throw new PackError('only int8 model files have packed weights');
  if (model.header.packing && !model.header.packing.plain) {
    throw new PackError('the model file has no plain weights to pack (it was converted without --pack plain): re-convert it from its checkpoint');
  }
  if (!targets.length) throw new PackError(`--pack needs at least one of ${PACK_TARGETS.join(', ')}`);
  const builds = PACK_TARGETS.filter((t): t is 'simd128' | 'relaxed' => t !== 'plain' && targets.includes(t));
  // Prepared buffers: what prepare computes (recorded), or copies from the file when it already
  // has them (the same bytes). bias_folded and requant do not depend on the build.
  const prepared = new Map<string, TensorToWrite>();
  const fromFile = (name: string): TensorToWrite => {
    const t = model.header.tensors.find((x) => x.name === name)!;
    return { name, dtype: t.dtype, shape: t.shape, data: model.tensor(name) };
  };
  let layout: number | undefined;
  for (const build of builds.length ? builds : (['simd128'] as const)) {
    const engine = Int8Engine.prepare(model, engineModule(build), { record: true });
    if (layout !== undefined && engine.packLayoutVersion !== layout) throw new PackError('the engine builds report different pack layout versions: rebuild them (npm run build)');
    layout = engine.packLayoutVersion;
    for (const t of engine.recorded) prepared.set(t.name, t);
    for (const t of model.header.tensors) if (/\.(bias_folded|requant)$/.test(t.name) || t.name.endsWith(`.packed.${build}`)) prepared.set(t.name, prepared.get(t.name) ?? fromFile(t.name));
  }
  const wanted = [...prepared.values()].filter((t) => !/\.packed\./.test(t.name) || builds.some((b) => t.name.endsWith(`.packed.${b}`)));
  const plain = targets.includes('plain') ? model.header.tensors.filter((t) => t.name.endsWith('.weight')).map((t) => fromFile(t.name)) : [];
  const packing: Packing = { layout_version: layout!, builds, plain: targets.includes('plain') };
  const { tensors: _, ...header } = model.header;
  return writeModelFile({ ...header, packing }, [...plain, ...wanted]);
}

export function parsePackTargets(raw: string): PackTarget[] {
  const out = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const t of out) if (!(PACK_TARGETS as readonly string[]).includes(t)) throw new PackError(`--pack: unknown target ${JSON.stringify(t)} (choose from ${PACK_TARGETS.join(', ')})`);
  if (!out.length) throw new PackError(`--pack needs at least one of ${PACK_TARGETS.join(', ')}`);
  return [...new Set(out)] as PackTarget[];
}
