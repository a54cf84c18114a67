import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** What the round-robin loop needs from a contender. */
export interface Contender {
  /** Short id for --only and the JSON (e.g. `edge-simd128`, `ort-web`). */
  readonly id: string;
  /** Row label of the table. */
  readonly label: string;
  /** Versions and settings that matter for the comparison (threads, backend, precision). */
  readonly info: Record<string, unknown>;
  /** One inference on the bench input; returns its wall time in ms. */
  runOnce(): Promise<number>;
  /** Logits of one inference on the bench input, for the agreement check. */
  logits(): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Everything a contender may need; each takes only what it uses. */
export interface BenchInputs {
  /** The normalized input image, CHW float32 (also as [1,3,S,S] for the float runtimes). */
  chw: Float32Array;
  size: number;
  width: number;
  classes: number;
  checkpoint?: string;
  onnx?: string;
  /** The same weights as an int8 QDQ ONNX model (tools/bench/qdq.ts), for the int8 ORT anchors. */
  qdqOnnx?: string;
  int8Model?: string;
  inputNpy?: string;
  python: string;
}

/** Which ONNX model an ONNX Runtime contender runs: the float export or its int8 QDQ quantization. */
export type OnnxPrecision = 'float32' | 'int8';

/** The model file for a precision, or a Skip saying why there is none. */
export function onnxModel(inp: BenchInputs, precision: OnnxPrecision): string {
  const path = precision === 'int8' ? inp.qdqOnnx : inp.onnx;
  if (!path) throw new Skip(precision === 'int8' ? 'no int8 QDQ ONNX file (its preparation was skipped or failed)' : 'no ONNX file (export was skipped or failed)');
  return path;
}

/** Thrown by a contender's factory when it cannot run here; the bench reports the reason and goes on. */
export class Skip extends Error {}

/** Folder and version of an installed package (works when its `exports` hide package.json). */
export function installedPackage(name: string): { dir: string; version: string } | null {
  const require = createRequire(import.meta.url);
  let p: string;
  try {
    p = require.resolve(name);
  } catch {
    return null;
  }
  for (let dir = dirname(p); dir !== dirname(dir); dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      const j = JSON.parse(readFileSync(pj, 'utf8'));
      if (j.name === name) return { dir, version: j.version };
    }
  }
  return null;
}
