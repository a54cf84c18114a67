/** Builds the float reference net from a float32 model file. */
import { convSpecs, netSpec } from '../../worker/model/architecture.ts';
import type { ModelFile } from '../../worker/model/format.ts';
import type { FoldedConv } from './fold.ts';
import { FloatGhostNetV2 } from './float-forward.ts';

export function floatNetFromModel(model: ModelFile): FloatGhostNetV2 {
  const { width, num_classes, family } = model.header.architecture;
  if (model.header.precision !== 'float32') throw new Error('the float reference needs a float32 model file (convert with --precision float32)');
  const spec = netSpec(width, num_classes, family);
  const convs = new Map<string, FoldedConv>();
  for (const c of convSpecs(spec)) {
    convs.set(c.name, { spec: c, weight: model.tensor(`${c.name}.weight`) as Float32Array, bias: model.tensor(`${c.name}.bias`) as Float32Array });
  }
  return new FloatGhostNetV2(spec, convs);
}
