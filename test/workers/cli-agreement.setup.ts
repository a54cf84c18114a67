/**
 * globalSetup of the workers project (runs in Node, before the workerd tests): what the CLI makes
 * of every photo fixture, for test/workers/cli-agreement.test.ts to compare with the Worker.
 * Per bundled model and file: the CLI's own `classify --logits --top-k 0` output (a child process,
 * as a user runs it) and the model input that the CLI computes in Node (tools/io/images.ts).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { readModelFile } from '../../worker/model/format.ts';
import { imageFileInput } from '../../tools/io/images.ts';

const root = resolve(import.meta.dirname, '../..');

/** The bundled models the comparison runs on: the default (gray 64) and the colour test model. */
export const AGREEMENT_MODELS = [
  { name: 'fashion-mnist', file: 'models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2' },
  { name: 'tiny-synthetic', file: 'test/fixtures/models/tiny_w015_c10_s64.int8.gnv2' },
];

/** Every photo fixture, plus the 40 Mpx baseline JPEG (DCT-scaled in both). */
export const AGREEMENT_FILES = [
  ...readdirSync(join(root, 'test/fixtures/photos'))
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((f) => `test/fixtures/photos/${f}`),
  'test/fixtures/large/rings_7745x5161.jpg',
];

export interface CliAgreement {
  files: Array<{ path: string; bytes: string }>;
  /** [model][file] */
  results: Record<string, Array<{ pixels: string; logits: number[]; scores: number[] }>>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    cliAgreement: CliAgreement;
  }
}

const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

export default async function setup(project: TestProject): Promise<void> {
  const results: CliAgreement['results'] = {};
  for (const m of AGREEMENT_MODELS) {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'bin/ghostnet-edge.js'), 'classify', '--model', m.file, '--logits', '--top-k', '0', ...AGREEMENT_FILES], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input: string; logits: number[]; predictions: Array<{ index: number; score: number }> });
    const p = (await readModelFile(new Uint8Array(readFileSync(join(root, m.file))))).header.preprocessing;
    results[m.name] = [];
    for (const [i, path] of AGREEMENT_FILES.entries()) {
      if (lines[i]?.input !== path) throw new Error(`CLI output line ${i} is for ${lines[i]?.input}, expected ${path}`);
      const input = await imageFileInput(new Uint8Array(readFileSync(join(root, path))), p);
      const scores = new Array<number>(lines[i].logits.length);
      for (const pr of lines[i].predictions) scores[pr.index] = pr.score;
      results[m.name].push({ pixels: b64(input.pixels), logits: lines[i].logits, scores });
    }
  }
  const files = AGREEMENT_FILES.map((path) => ({ path, bytes: b64(new Uint8Array(readFileSync(join(root, path)))) }));
  project.provide('cliAgreement', { files, results });
}
