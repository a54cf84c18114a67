/**
 * The conv layers of a GhostNet as the kernels see them, derived from the engine's own graph
 * (worker/model/graph.ts buildGraph) and the architecture's kernel sizes (convSpecs): the shapes
 * the kernel benches time and the kernel tests replay. Default: GhostNetV2-1.0 at 224, 1000 classes.
 */
import { convSpecs, netSpec, type Family } from '../../worker/model/architecture.ts';
import { buildGraph } from '../../worker/model/graph.ts';

export interface DepthwiseLayer {
  name: string;
  C: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  stride: number;
  OH: number;
  OW: number;
}

/** A 1x1 conv (or the classifier, a 1x1 conv on one pixel with f32 outputs) as one GEMM call. */
export interface PointwiseLayer {
  name: string;
  cin: number;
  cout: number;
  pixels: number;
  f32: boolean;
}

export interface LayerOptions {
  width?: number;
  size?: number;
  classes?: number;
  family?: Family;
}

function graphOf(o: LayerOptions) {
  const spec = netSpec(o.width ?? 1.0, o.classes ?? 1000, o.family ?? 'ghostnetv2');
  return { spec, graph: buildGraph(spec, o.size ?? 224), convs: new Map(convSpecs(spec).map((c) => [c.name, c])) };
}

/** Every depthwise conv in execution order (GhostNetV2-1.0 at 224: 69 layers). */
export function depthwiseLayers(o: LayerOptions = {}): DepthwiseLayer[] {
  const { graph, convs } = graphOf(o);
  const out: DepthwiseLayer[] = [];
  for (const op of graph.ops) {
    if (op.kind !== 'depthwise') continue;
    const { kh, kw } = convs.get(op.conv)!;
    const x = graph.tensors.get(op.input.tensor)!;
    const y = graph.tensors.get(op.output.tensor)!;
    out.push({ name: op.conv, C: op.input.channels, H: x.h, W: x.w, kh, kw, stride: op.stride, OH: y.h, OW: y.w });
  }
  return out;
}

/** Every 1x1 conv, SE conv, the head and the classifier in execution order (GhostNetV2-1.0: 68 layers); not the stem. */
export function pointwiseLayers(o: LayerOptions = {}): PointwiseLayer[] {
  const { spec, graph } = graphOf(o);
  const out: PointwiseLayer[] = [];
  for (const op of graph.ops) {
    if (op.kind !== 'pointwise' && op.kind !== 'classifier') continue;
    const x = graph.tensors.get(op.input.tensor)!;
    const cout = op.kind === 'classifier' ? spec.numClasses : op.output.channels;
    out.push({ name: op.conv, cin: op.input.channels, cout, pixels: x.h * x.w, f32: op.kind === 'classifier' });
  }
  return out;
}

/** A DFC attention gate: the H×W×C Ghost output times the sigmoid gate computed at gh×gw. */
export interface DfcGate {
  name: string;
  H: number;
  W: number;
  C: number;
  gh: number;
  gw: number;
}

/** Every DFC gate in execution order (GhostNetV2-1.0 at 224: 14). */
export function dfcGates(o: LayerOptions = {}): DfcGate[] {
  const { graph } = graphOf(o);
  const out: DfcGate[] = [];
  for (const op of graph.ops) {
    if (op.kind !== 'dfc_gate') continue;
    const x = graph.tensors.get(op.input.tensor)!;
    const g = graph.tensors.get(op.gate.tensor)!;
    out.push({ name: op.output.tensor, H: x.h, W: x.w, C: op.input.channels, gh: g.h, gw: g.w });
  }
  return out;
}
