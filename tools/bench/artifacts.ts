/**
 * The bench's inputs, prepared once and cached in tmp/bench/ (gitignored):
 *
 *   w10.pth.tar       synthetic GhostNetV2-1.0, 1000 classes, official format (make_checkpoint.py)
 *   w10.onnx          the same float weights as ONNX opset 13 (export_onnx.py)
 *   calib.npy         16 natural-image-like normalized inputs for int8 calibration (seed 2)
 *   input.npy         the ONE bench input [1,3,224,224] (seed 7, not among the calibration images)
 *   w10.int8.gnv2     our int8 model: `ghostnet-edge convert w10.pth.tar --calib calib.npy --calib-count 16
 *                     --pack simd128,plain` (plain weights too, for the scalar and relaxed builds)
 *
 * Each file has a `<file>.key` beside it naming what it was made from (command, hashes of the input
 * files and of the scripts/sources that made it); a file is remade when its key changes.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { writeNpy } from '../io/npy.ts';

export const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

export interface ArtifactOptions {
  dir: string; // cache folder
  python: string;
  checkpoint?: string; // a user checkpoint instead of the synthetic one
  width: number;
  classes: number;
  size: number;
  calibCount: number;
  rebuild: boolean;
  log: (line: string) => void;
}

export interface Artifacts {
  hasTorch: boolean;
  torchWhy?: string;
  checkpoint?: string;
  onnx?: string;
  calibNpy?: string;
  inputNpy?: string;
  int8Model?: string;
  /** Why an artifact is missing, by name. */
  missing: Record<string, string>;
  notes: string[];
}

export const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
export const fileSha = (path: string) => sha(readFileSync(path));

function sourcesSha(paths: string[]): string {
  const h = createHash('sha256');
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) for (const f of readdirSync(p).sort()) walk(join(p, f));
    else if (/\.(ts|py|mjs|js)$/.test(p)) h.update(relative(ROOT, p)).update('\0').update(readFileSync(p));
  };
  for (const p of paths) walk(join(ROOT, p));
  return h.digest('hex');
}

export function detectTorch(python: string): { ok: boolean; why?: string; version?: string } {
  const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error) return { ok: false, why: `${python} cannot be run (${(r.error as NodeJS.ErrnoException).code})` };
  if (r.status !== 0) return { ok: false, why: `${python} has no torch` };
  return { ok: true, version: r.stdout.trim() };
}

/** Whether `target` exists and was made from `key` (then it is logged as cached). */
export function upToDate(o: Pick<ArtifactOptions, 'rebuild' | 'log'>, target: string, key: Record<string, unknown>): boolean {
  const keyFile = target + '.key';
  if (!o.rebuild && existsSync(target) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === JSON.stringify(key, null, 1)) {
    o.log(`  cached   ${relative(ROOT, target)}`);
    return true;
  }
  return false;
}

/** Records that `target` was made from `key` (started at t0), after checking it exists. */
export function made(o: Pick<ArtifactOptions, 'log'>, target: string, key: Record<string, unknown>, what: string, t0: number): void {
  if (!existsSync(target)) throw new Error(`${what} did not write ${target}`);
  writeFileSync(target + '.key', JSON.stringify(key, null, 1));
  o.log(`  made     ${relative(ROOT, target)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * Makes `target` with `make` unless it exists with the same key. `make` runs a command; its output
 * goes to `<target>.log`.
 */
function cached(o: ArtifactOptions, target: string, key: Record<string, unknown>, what: string, make: () => void): void {
  if (upToDate(o, target, key)) return;
  o.log(`  making   ${relative(ROOT, target)} (${what}) …`);
  const t0 = performance.now();
  make();
  made(o, target, key, what, t0);
}

export function run(cmd: string, args: string[], logFile: string, env: Record<string, string | undefined> = {}): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, ...env } });
  writeFileSync(logFile, `$ ${[cmd, ...args].join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.error || r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n    ');
    throw new Error(`${basename(cmd)} ${args.slice(0, 2).join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}); log ${relative(ROOT, logFile)}:\n    ${tail}`);
  }
}

/** Natural-image-like input without Python: smooth random colour fields plus edges, ImageNet-normalized. */
export function syntheticImages(count: number, size: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const out = new Float32Array(count * 3 * size * size);
  for (let n = 0; n < count; n++) {
    const waves = Array.from({ length: 12 }, () => ({ fx: (rand() - 0.5) * 0.15, fy: (rand() - 0.5) * 0.15, ph: rand() * 6.28, c: [rand(), rand(), rand()] }));
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          let v = 0.5;
          for (const w of waves) v += (0.08 * (w.c[c] - 0.5) + 0.04) * Math.sin(w.fx * x + w.fy * y + w.ph);
          v += (rand() - 0.5) * 0.05;
          v = Math.min(1, Math.max(0, v));
          out[((n * 3 + c) * size + y) * size + x] = (v - mean[c]) / std[c];
        }
  }
  return out;
}

export function prepareArtifacts(o: ArtifactOptions): Artifacts {
  mkdirSync(o.dir, { recursive: true });
  const torch = detectTorch(o.python);
  const a: Artifacts = { hasTorch: torch.ok, torchWhy: torch.why, missing: {}, notes: [] };
  const ref = (f: string) => join(ROOT, 'tools/reference', f);
  const tag = o.checkpoint ? basename(o.checkpoint).replace(/\.(pth\.tar|pth|safetensors)$/, '') : `w${Math.round(o.width * 10)}`;
  const skip = (name: string, why: string) => {
    a.missing[name] = why;
    o.log(`  skipped: ${name}: ${why}`);
  };
  const attempt = (name: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      skip(name, (e as Error).message);
    }
  };

  // 1. The float checkpoint.
  if (o.checkpoint) {
    if (!existsSync(o.checkpoint)) throw new Error(`--checkpoint ${o.checkpoint} does not exist`);
    a.checkpoint = o.checkpoint;
    o.log(`  given    ${o.checkpoint}`);
  } else {
    const ck = join(o.dir, `${tag}.pth.tar`);
    const key = { script: fileSha(ref('make_checkpoint.py')), model: fileSha(ref('ghostnetv2.py')), width: o.width, classes: o.classes, size: o.size, seed: 1 };
    if (torch.ok) {
      attempt('checkpoint', () =>
        cached(o, ck, key, 'synthetic checkpoint, make_checkpoint.py, ~3 min once', () =>
          run(o.python, [ref('make_checkpoint.py'), '--width', String(o.width), '--classes', String(o.classes), '--size', String(o.size), '--seed', '1', '--out', ck], ck + '.log'),
        ),
      );
      if (!a.missing.checkpoint) a.checkpoint = ck;
    } else if (existsSync(ck)) {
      a.checkpoint = ck;
      a.notes.push(`using the cached ${relative(ROOT, ck)} (cannot check it is current: ${torch.why})`);
    } else skip('checkpoint', `${torch.why}; pass --checkpoint FILE (an official ck_ghostnetv2_10.pth.tar) to benchmark ghostnet-edge alone`);
  }

  // 2. Inputs: the bench input and the calibration set (natural-image-like, from make_checkpoint).
  const images = (file: string, count: number, seed: number) => {
    const path = join(o.dir, file);
    const spec = { count, size: o.size, seed };
    if (torch.ok && a.checkpoint) {
      const key = { script: fileSha(ref('reference_outputs.py')), gen: fileSha(ref('make_checkpoint.py')), ...spec };
      cached(o, path, key, `${count} input(s), reference_outputs.py`, () =>
        run(
          o.python,
          [
            ref('reference_outputs.py'),
            '--checkpoint',
            a.checkpoint!,
            '--width',
            String(o.width),
            '--classes',
            String(o.classes),
            '--size',
            String(o.size),
            '--count',
            String(count),
            '--seed',
            String(seed),
            '--write-inputs',
            path,
            '--out-logits',
            path.replace(/\.npy$/, '.logits.npy'),
            '--threads',
            '1',
          ],
          path + '.log',
        ),
      );
      return path;
    }
    // No torch: keep using inputs Python made earlier (they are plain arrays), else make some in JS under another name.
    const old = existsSync(path + '.key') ? (JSON.parse(readFileSync(path + '.key', 'utf8')) as Record<string, unknown>) : null;
    if (old && existsSync(path) && old.count === count && old.size === o.size && old.seed === seed) {
      o.log(`  cached   ${relative(ROOT, path)} (made earlier by reference_outputs.py)`);
      return path;
    }
    const js = join(o.dir, file.replace(/\.npy$/, '.js.npy'));
    const key = { generator: 'syntheticImages (tools/bench/artifacts.ts)', src: sourcesSha(['tools/bench/artifacts.ts']), ...spec };
    cached(o, js, key, `${count} input(s), in JS (no torch)`, () => writeFileSync(js, writeNpy({ shape: [count, 3, o.size, o.size], data: syntheticImages(count, o.size, seed) })));
    return js;
  };
  attempt('input', () => (a.inputNpy = images('input.npy', 1, 7)));
  attempt('calibration set', () => (a.calibNpy = images('calib.npy', o.calibCount, 2)));

  // 3. ONNX export of the same float weights.
  if (a.checkpoint) {
    const onnx = join(o.dir, `${tag}.onnx`);
    if (torch.ok) {
      const key = { checkpoint: fileSha(a.checkpoint), script: fileSha(ref('export_onnx.py')), model: fileSha(ref('ghostnetv2.py')), size: o.size };
      attempt('onnx', () =>
        cached(o, onnx, key, 'export_onnx.py', () =>
          run(o.python, [ref('export_onnx.py'), '--checkpoint', a.checkpoint!, '--width', String(o.width), '--classes', String(o.classes), '--size', String(o.size), '--out', onnx], onnx + '.log'),
        ),
      );
      if (!a.missing.onnx) a.onnx = onnx;
    } else if (existsSync(onnx) && existsSync(onnx + '.key') && JSON.parse(readFileSync(onnx + '.key', 'utf8')).checkpoint === fileSha(a.checkpoint)) {
      a.onnx = onnx;
      a.notes.push(`using the cached ${relative(ROOT, onnx)} (exported earlier from the same checkpoint)`);
    } else skip('onnx', `ONNX export skipped: ${torch.why}`);
  }

  // 4. Our int8 model, converted by the CLI from the same checkpoint.
  if (a.checkpoint && a.calibNpy) {
    const int8 = join(o.dir, `${tag}.int8.gnv2`);
    const key = {
      checkpoint: fileSha(a.checkpoint),
      calib: fileSha(a.calibNpy),
      calibCount: o.calibCount,
      converter: sourcesSha(['bin/ghostnet-edge.js', 'tools/cli.ts', 'tools/convert', 'tools/io', 'worker/model']),
    };
    attempt('int8 model', () =>
      cached(o, int8, key, 'ghostnet-edge convert --calib, ~2 min once', () =>
        run(
          process.execPath,
          [join(ROOT, 'bin/ghostnet-edge.js'), 'convert', a.checkpoint!, '--out', int8, '--calib', a.calibNpy!, '--calib-count', String(o.calibCount), '--pack', 'simd128,plain'],
          int8 + '.log',
        ),
      ),
    );
    if (!a.missing['int8 model']) a.int8Model = int8;
  }
  return a;
}
