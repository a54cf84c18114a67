/**
 * The GhostNet family on committed fixtures (tools/reference/make_family_fixtures.sh, made with
 * Debian's torch): GhostNetV1 and GhostNetV3 checkpoints in every layout convert, and our float
 * reference reproduces PyTorch's logits and features to ≤ 1e-4 × max|logit|. GhostNetV3 comes as
 * timm distributes it (training-time branches, safetensors, float16), as the official release
 * names it (branch BN `bn`, {'state_dict': ...}, .pth.tar) and re-parameterized (timm's
 * reparameterize_model keys): all three must give the same network.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelFile, type ModelFile } from '../../worker/model/format.ts';
import { loadCheckpoint, writeFloatModel, type LoadedCheckpoint } from '../../tools/convert/convert.ts';
import { floatNetFromModel } from '../../tools/convert/float-model.ts';
import { Feature } from '../../tools/convert/float-forward.ts';
import { runCli } from '../helpers/cli.ts';
import { maxAbs, maxAbsDiff } from '../../tools/lib/max-abs.ts';
import { loadNpy, topIndices } from '../helpers/npy.ts';

const fixture = (f: string) => new URL(`../fixtures/${f}`, import.meta.url);
const family = (f: string) => fixture(`family/${f}`);

async function convert(file: string): Promise<{ ck: LoadedCheckpoint; model: ModelFile }> {
  const ck = await loadCheckpoint(new Uint8Array(readFileSync(family(file))), file);
  return { ck, model: await readModelFile(await writeFloatModel(ck, { name: file, sourceName: file, preprocessing: { input_size: 64 } })) };
}

function expectPyTorch(model: ModelFile, tag: string) {
  const inputs = loadNpy(fixture('golden/inputs_s64.npy'));
  const [n, c, h, w] = inputs.shape;
  const net = floatNetFromModel(model);
  for (const [what, ref] of [
    ['logits', loadNpy(family(`logits_${tag}.npy`))],
    ['features', loadNpy(family(`features_${tag}.npy`))],
  ] as const) {
    const per = ref.shape[1];
    for (let i = 0; i < n; i++) {
      const out = net.forward(new Feature(c, h, w, inputs.data.slice(i * c * h * w, (i + 1) * c * h * w)));
      const got = what === 'logits' ? out.logits : out.features;
      const r = ref.data.subarray(i * per, (i + 1) * per);
      expect(maxAbsDiff(got, r), `${tag} ${what} row ${i}`).toBeLessThanOrEqual(1e-4 * maxAbs(r));
      if (what === 'logits') expect(topIndices(got, 5)).toEqual(topIndices(r, 5));
    }
  }
}

describe('GhostNetV1 (official layout = timm ghostnet_* keys)', () => {
  it('converts as ghostnetv1 at width 0.1 and matches PyTorch', async () => {
    const { ck, model } = await convert('v1_w010_c10_s64.pth.tar');
    expect(ck.layout.description).toBe('GhostNetV1');
    expect(model.header.architecture).toMatchObject({ family: 'ghostnetv1', width: 0.1, num_classes: 10 });
    expect(model.header.tensors.some((t) => t.name.includes('short_conv'))).toBe(false);
    expectPyTorch(model, 'v1_w010_c10_s64');
  });
});

describe('GhostNetV3 (re-parameterized at convert time)', () => {
  const layouts = [
    ['v3_w010_c10_s64_timm.safetensors', /GhostNetV3, training-time multi-branch form \(timm keys\): 342 branches folded into 138 convs/],
    ['v3_w010_c10_s64_official.pth.tar', /GhostNetV3, training-time multi-branch form \(official keys\): 342 branches/],
    ['v3_w010_c10_s64_deploy.safetensors', /^GhostNetV3, re-parameterized form$/],
  ] as const;
  for (const [file, description] of layouts) {
    it(`${file}: converts as ghostnetv3 at width 0.1 and matches PyTorch's multi-branch network`, async () => {
      const { ck, model } = await convert(file);
      expect(ck.layout.description).toMatch(description);
      expect(model.header.architecture).toMatchObject({ family: 'ghostnetv3', width: 0.1, num_classes: 10 });
      expect(model.header.provenance.source_layout).toBe(ck.layout.description);
      expectPyTorch(model, 'v3_w010_c10_s64');
    });
  }

  it('timm and official layouts fold to identical tensors; PyTorch’s own re-parameterization to within float rounding', async () => {
    const timm = (await convert('v3_w010_c10_s64_timm.safetensors')).model;
    const official = (await convert('v3_w010_c10_s64_official.pth.tar')).model;
    const deploy = (await convert('v3_w010_c10_s64_deploy.safetensors')).model;
    expect(official.header.tensors.map((t) => t.name)).toEqual(timm.header.tensors.map((t) => t.name));
    for (const t of timm.header.tensors) {
      const a = timm.tensor(t.name);
      expect(Array.from(official.tensor(t.name)), t.name).toEqual(Array.from(a));
      // deploy: folded by PyTorch in float32, ours in float64 rounded once.
      expect(maxAbsDiff(deploy.tensor(t.name), a), t.name).toBeLessThanOrEqual(1e-5 * Math.max(maxAbs(a), 1e-3));
    }
  });

  it('the re-parameterized network is V2’s: same tensor names as a GhostNetV2 model', async () => {
    const v3 = (await convert('v3_w010_c10_s64_timm.safetensors')).model;
    const ck = await loadCheckpoint(new Uint8Array(readFileSync(fixture('golden/tiny_w015_c10_s64.safetensors'))));
    const v2 = await readModelFile(await writeFloatModel(ck, { name: 'v2', sourceName: 'v2' }));
    expect(v3.header.tensors.map((t) => t.name)).toEqual(v2.header.tensors.map((t) => t.name));
  });
});

describe('CLI: version and width printed, info says the family, misfits refused naming the key', () => {
  it('convert prints the inferred version, form and width; info shows the family', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gne-family-'));
    for (const [file, name, printed] of [
      ['v1_w010_c10_s64.pth.tar', 'ghostnetv1', /GhostNetV1; width 0\.1, 10 classes, float32/],
      ['v3_w010_c10_s64_official.pth.tar', 'ghostnetv3', /GhostNetV3, training-time multi-branch form \(official keys\): 342 branches folded into 138 convs; width 0\.1, 10 classes/],
    ] as const) {
      const out = join(dir, `${file}.gnv2`);
      const r = runCli(['convert', family(file).pathname, '--out', out, '--input-size', '64', '--precision', 'float32']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(printed);
      expect(JSON.parse(runCli(['info', out, '--json']).stdout).architecture.family).toBe(name);
    }
  });

  it('a V3 checkpoint missing a branch is refused with one line naming the key', () => {
    // The timm fixture with its cheap_rpr_skip of one module dropped: rewrite the safetensors header.
    const bytes = new Uint8Array(readFileSync(family('v3_w010_c10_s64_timm.safetensors')));
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    for (const k of Object.keys(header)) if (k.startsWith('blocks.6.2.ghost2.cheap_rpr_skip.')) delete header[k];
    const json = new TextEncoder().encode(JSON.stringify(header).padEnd(n, ' '));
    expect(json.length).toBe(n);
    const cut = bytes.slice();
    cut.set(json, 8);
    const dir = mkdtempSync(join(tmpdir(), 'gne-family-'));
    const path = join(dir, 'cut.safetensors');
    writeFileSync(path, cut);
    const r = runCli(['convert', path, '--out', join(dir, 'x.gnv2')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/does not fit GhostNetV3, training-time multi-branch form \(width ≈ 0\.10, 10 classes\): missing key blocks\.6\.2\.ghost2\.cheap_rpr_skip\.weight/);
  });
});
