import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArchitectureError, convSpecs, inferNetSpec, makeDivisible, netSpec, officialShapes } from '../../worker/model/architecture.ts';
import { buildGraph } from '../../worker/model/graph.ts';

interface Layer {
  name: string;
  cin: number;
  cout: number;
  inHW: number;
  outHW: number;
  params: number;
  macs: number;
}

/** Parses the shared reference table (independent of our code) of GhostNetV2-1.0 at 224². */
function referenceLayers(): Layer[] {
  const text = readFileSync(new URL('../fixtures/reference/ghostnetv2_w1.0_layers.txt', import.meta.url), 'utf8');
  const out: Layer[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+\s+(\S+)\s+(?:Conv2d|Linear).*?\s(\d+)(?:x(\d+)x\d+)?\s+(\d+)(?:x(\d+)x\d+)?\s+(\d+)\s+(\d+)\s+\S+\s*$/.exec(line);
    if (!m) continue;
    out.push({ name: m[1], cin: +m[2], inHW: +(m[3] ?? 1), cout: +m[4], outHW: +(m[5] ?? 1), params: +m[6], macs: +m[7] });
  }
  return out;
}

describe('architecture (against the reference layer table of GhostNetV2-1.0 at 224)', () => {
  const ref = referenceLayers();
  const spec = netSpec(1.0, 1000);
  const convs = new Map(convSpecs(spec).map((c) => [c.name, c]));
  const graph = buildGraph(spec, 224);

  it('parses all 138 layers of the table', () => {
    expect(ref.length).toBe(138);
  });

  it('has exactly the reference layers, with the same channels, params and MACs', () => {
    expect([...convs.keys()].sort()).toEqual(ref.map((l) => l.name).sort());
    let total = 0;
    for (const l of ref) {
      const c = convs.get(l.name)!;
      expect([l.name, c.cin, c.cout]).toEqual([l.name, l.cin, l.cout]);
      const hasBias = c.bn === null;
      expect([l.name, c.cout * (c.cin / c.groups) * c.kh * c.kw + (hasBias ? c.cout : 0)]).toEqual([l.name, l.params]);
      const macs = c.cout * (c.cin / c.groups) * c.kh * c.kw * l.outHW * l.outHW;
      expect([l.name, macs]).toEqual([l.name, l.macs]);
      total += macs;
    }
    expect(total).toBe(167048288);
  });

  it('gives every graph tensor the spatial size of the table', () => {
    for (const op of graph.ops) {
      if (!('conv' in op) || op.kind === 'classifier') continue;
      const l = ref.find((r) => r.name === op.conv)!;
      const t = graph.tensors.get(op.output.tensor)!;
      expect([op.conv, t.h, t.w]).toEqual([op.conv, l.outHW, l.outHW]);
      expect([op.conv, graph.tensors.get(op.input.tensor)!.h]).toEqual([op.conv, l.inHW]);
    }
  });

  it('follows the official _make_divisible', () => {
    expect(makeDivisible(16 * 1.3, 4)).toBe(20);
    expect(makeDivisible(72 * 0.25, 4)).toBe(20);
    expect(makeDivisible(960 * 1.3, 4)).toBe(1248);
    expect(makeDivisible(3, 4)).toBe(4);
  });

  for (const width of [1.0, 1.3, 1.6, 0.5, 0.35]) {
    it(`recovers width ${width} and the class count from shapes alone`, () => {
      const s = inferNetSpec(officialShapes(netSpec(width, 7)));
      expect(s.width).toBe(width);
      expect(s.numClasses).toBe(7);
    });
  }

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
});
