import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArchitectureError, convSpecs, makeDivisible, netSpec, type Family } from '../../worker/model/architecture.ts';
import { buildGraph } from '../../worker/model/graph.ts';
import { expectedShapes, inferLayout, officialShapes, parameterCount, type Form } from '../../tools/convert/layout.ts';

const inferNetSpec = (shapes: Map<string, number[]>) => inferLayout(shapes).spec;

interface Layer {
  name: string;
  cin: number;
  cout: number;
  inHW: number;
  outHW: number;
  params: number;
  macs: number;
}

/**
 * Parses a reference layer table at width 1.0, 224² (independent of our code): GhostNetV2's from
 * the shared reference data, GhostNetV1's and GhostNetV3's (re-parameterized) made by
 * tools/reference/layer_table.py with forward hooks on the PyTorch reference.
 */
function referenceLayers(file: string): Layer[] {
  const text = readFileSync(new URL(`../fixtures/reference/${file}`, import.meta.url), 'utf8');
  const out: Layer[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+\s+(\S+)\s+(?:Conv2d|Linear).*?\s(\d+)(?:x(\d+)x\d+)?\s+(\d+)(?:x(\d+)x\d+)?\s+(\d+)\s+(\d+)\s+\S+\s*$/.exec(line);
    if (!m) continue;
    out.push({ name: m[1], cin: +m[2], inHW: +(m[3] ?? 1), cout: +m[4], outHW: +(m[5] ?? 1), params: +m[6], macs: +m[7] });
  }
  return out;
}

const TABLES: { family: Family; form: Form; file: string; layers: number; macs: number }[] = [
  { family: 'ghostnetv2', form: 'bn', file: 'ghostnetv2_w1.0_layers.txt', layers: 138, macs: 167048288 },
  { family: 'ghostnetv1', form: 'bn', file: 'ghostnetv1_w1.0_layers.txt', layers: 96, macs: 141150512 },
  { family: 'ghostnetv3', form: 'v3-deploy', file: 'ghostnetv3_w1.0_layers.txt', layers: 138, macs: 167048288 },
];

for (const t of TABLES) {
  describe(`architecture of ${t.family} (against the reference layer table at width 1.0, 224²)`, () => {
    const ref = referenceLayers(t.file);
    const spec = netSpec(1.0, 1000, t.family);
    const convs = new Map(convSpecs(spec).map((c) => [c.name, c]));
    const shapes = expectedShapes(spec, t.form);
    const size = (k: string) => (shapes.get(k) ?? [0]).reduce((a, b) => a * b, 1);
    const graph = buildGraph(spec, 224);

    it(`parses all ${t.layers} layers of the table`, () => {
      expect(ref.length).toBe(t.layers);
    });

    it('has exactly the reference layers, with the same channels, params and MACs', () => {
      expect([...convs.keys()].sort()).toEqual(ref.map((l) => l.name).sort());
      let total = 0;
      for (const l of ref) {
        const c = convs.get(l.name)!;
        expect([l.name, c.cin, c.cout]).toEqual([l.name, l.cin, l.cout]);
        // The conv module's own parameters in this form's checkpoint: weight, and bias where it has one.
        const params = size(`${c.name}.weight`) + (shapes.has(`${c.name}.bias`) ? size(`${c.name}.bias`) : 0);
        expect([l.name, params]).toEqual([l.name, l.params]);
        const macs = c.cout * (c.cin / c.groups) * c.kh * c.kw * l.outHW * l.outHW;
        expect([l.name, macs]).toEqual([l.name, l.macs]);
        total += macs;
      }
      expect(total).toBe(t.macs);
    });

    it('gives every graph tensor the spatial size of the table', () => {
      for (const op of graph.ops) {
        if (!('conv' in op) || op.kind === 'classifier') continue;
        const l = ref.find((r) => r.name === op.conv)!;
        const tensor = graph.tensors.get(op.output.tensor)!;
        expect([op.conv, tensor.h, tensor.w]).toEqual([op.conv, l.outHW, l.outHW]);
        expect([op.conv, graph.tensors.get(op.input.tensor)!.h]).toEqual([op.conv, l.inHW]);
      }
    });
  });
}

describe('parameter counts against timm (results/*.csv, millions to 2 decimals)', () => {
  // results-imagenet.csv (param_count of the distributed weights) and the benchmark-infer CSVs
  // (which count GhostNetV3 re-parameterized), huggingface/pytorch-image-models.
  const cases: [Family, Form, number, number][] = [
    ['ghostnetv1', 'bn', 0.5, 2.59],
    ['ghostnetv1', 'bn', 1.0, 5.18],
    ['ghostnetv1', 'bn', 1.3, 7.36],
    ['ghostnetv2', 'bn', 1.0, 6.16],
    ['ghostnetv2', 'bn', 1.3, 8.96],
    ['ghostnetv2', 'bn', 1.6, 12.39],
    ['ghostnetv3', 'v3-train', 1.0, 8.13],
    ['ghostnetv3', 'v3-deploy', 0.5, 2.85],
    ['ghostnetv3', 'v3-deploy', 1.0, 6.15],
    ['ghostnetv3', 'v3-deploy', 1.3, 8.95],
    ['ghostnetv3', 'v3-deploy', 1.6, 12.38],
  ];
  for (const [family, form, width, millions] of cases) {
    it(`${family} ${form} width ${width}: ${millions}M`, () => {
      expect(Math.round(parameterCount(netSpec(width, 1000, family), form) / 1e4) / 100).toBe(millions);
    });
  }
});

describe('shape inference', () => {
  it('follows the official _make_divisible', () => {
    expect(makeDivisible(16 * 1.3, 4)).toBe(20);
    expect(makeDivisible(72 * 0.25, 4)).toBe(20);
    expect(makeDivisible(960 * 1.3, 4)).toBe(1248);
    expect(makeDivisible(3, 4)).toBe(4);
  });

  for (const [family, form] of [
    ['ghostnetv1', 'bn'],
    ['ghostnetv2', 'bn'],
    ['ghostnetv3', 'v3-train'],
    ['ghostnetv3', 'v3-deploy'],
  ] as [Family, Form][]) {
    for (const width of [1.0, 1.3, 1.6, 0.5, 0.35]) {
      it(`recovers ${family} (${form}), width ${width} and the class count from shapes alone`, () => {
        const got = inferLayout(expectedShapes(netSpec(width, 7, family), form));
        expect(got.spec.family).toBe(family);
        expect(got.form).toBe(form);
        expect(got.spec.width).toBe(width);
        expect(got.spec.numClasses).toBe(7);
      });
    }
  }

  it('V1 has no DFC convs, V3 has V2’s', () => {
    const names = (f: Family) => convSpecs(netSpec(1, 1000, f)).map((c) => c.name);
    expect(names('ghostnetv1').filter((n) => n.includes('short_conv'))).toEqual([]);
    expect(names('ghostnetv3')).toEqual(names('ghostnetv2'));
  });

  it('names the offending key when a shape does not fit', () => {
    const shapes = officialShapes(netSpec(1.0, 1000));
    shapes.set('blocks.3.0.conv_dw.weight', [72, 1, 3, 3]);
    expect(() => inferNetSpec(shapes)).toThrow(ArchitectureError);
    expect(() => inferNetSpec(shapes)).toThrow(/blocks\.3\.0\.conv_dw\.weight/);
    const missing = officialShapes(netSpec(1.0, 1000));
    missing.delete('blocks.5.0.bn_dw.running_var');
    expect(() => inferNetSpec(missing)).toThrow(/missing key blocks\.5\.0\.bn_dw\.running_var/);
    const extra = officialShapes(netSpec(1.0, 1000));
    extra.set('blocks.5.0.foo.weight', [1]);
    expect(() => inferNetSpec(extra)).toThrow(/unexpected key blocks\.5\.0\.foo\.weight/);
  });

  it('refuses a V3 checkpoint with a branch missing or of the wrong size, naming the key', () => {
    const train = expectedShapes(netSpec(1.0, 1000, 'ghostnetv3'), 'v3-train');
    const noScale = new Map(train);
    noScale.delete('blocks.4.0.ghost1.cheap_rpr_scale.conv.weight');
    expect(() => inferLayout(noScale)).toThrow(/GhostNetV3, training-time multi-branch form .*missing key blocks\.4\.0\.ghost1\.cheap_rpr_scale\.conv\.weight/);
    const fourth = new Map(train);
    fourth.set('blocks.4.0.ghost1.primary_rpr_conv.3.conv.weight', [60, 40, 1, 1]);
    expect(() => inferLayout(fourth)).toThrow(/unexpected key blocks\.4\.0\.ghost1\.primary_rpr_conv\.3\.conv\.weight/);
    const wide = new Map(train);
    wide.set('blocks.5.0.dw_rpr_scale.conv.weight', [240, 1, 3, 3]);
    expect(() => inferLayout(wide)).toThrow(/blocks\.5\.0\.dw_rpr_scale\.conv\.weight has shape \[240,1,3,3\], expected \[240,1,1,1\]/);
  });

  it('refuses a checkpoint of another network, naming its first key', () => {
    const resnet = new Map<string, number[]>([
      ['conv1.weight', [64, 3, 7, 7]],
      ['bn1.weight', [64]],
      ['fc.weight', [1000, 2048]],
    ]);
    expect(() => inferLayout(resnet)).toThrow(/fits no GhostNet V1\/V2\/V3 layout .*unexpected key conv1\.weight/);
  });
});
