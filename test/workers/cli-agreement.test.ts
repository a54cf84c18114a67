/**
 * The CLI and the Worker turn the same image into the same model input and the same logits
 * (issue #9.5: they disagreed on large JPEGs when the CLI decoded at full size and the Worker at
 * a reduced DCT scale). Both now call worker/image/input.ts `imageToInput` under the same limits.
 * The CLI side comes from cli-agreement.setup.ts (Node); here, in workerd, the Worker's own path:
 * imageToInput with the limits of this deployment's vars, then the bundled model's runPixels,
 * then the /v1/classify route itself.
 */
import { env, SELF } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { registry } from '../../worker/index.ts';
import { imageToInput } from '../../worker/image/input.ts';
import { limitsFrom } from '../../worker/middleware/limits.ts';
import { inputLimits } from '../../worker/request/run.ts';

const { files, results } = inject('cliAgreement');
const bytes = (b64: string) => (Uint8Array as unknown as { fromBase64(s: string): Uint8Array }).fromBase64(b64);

describe.each(Object.keys(results))('CLI and Worker agree, model %s', (model) => {
  it.each(files.map((f, i) => [f.path, i] as const))('%s: identical model input and logits', async (path, i) => {
    const cli = results[model][i];
    const file = await registry.file(model);
    const input = await imageToInput(bytes(files[i].bytes), file.header.preprocessing, inputLimits(limitsFrom(env)));
    const cliPixels = bytes(cli.pixels);
    expect(input.pixels.length).toBe(cliPixels.length);
    let differing = 0;
    for (let k = 0; k < cliPixels.length; k++) if (input.pixels[k] !== cliPixels[k]) differing++;
    expect(differing, `${path}: bytes of the model input that differ`).toBe(0);

    const classifier = await registry.classifier(model, registry.build(env.ENGINE)); // the deployment's build (ENGINE = auto: relaxed on AVX-VNNI) against the CLI's SIMD128 in Node
    expect(Array.from(classifier.runPixels(input.pixels).logits)).toEqual(cli.logits);

    const res = await SELF.fetch(`http://localhost/v1/classify?top_k=0&model=${model}`, { method: 'POST', body: bytes(files[i].bytes) as Uint8Array<ArrayBuffer> });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { predictions: Array<{ index: number; score: number }> };
    const scores = new Array<number>(cli.scores.length);
    for (const p of body.predictions) scores[p.index] = p.score;
    expect(scores).toEqual(cli.scores);
  });
});
