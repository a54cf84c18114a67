/** Image files → model inputs in Node, through the function the Worker runs (worker/image/input.ts). */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Preprocessing } from '../../worker/model/format.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { DEFAULT_INPUT_LIMITS, imageToInput, type InputLimits, type ModelInput } from '../../worker/image/input.ts';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'];

export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(path).toLowerCase());
}

/** Image files in a folder (recursively), sorted so that calibration is reproducible. */
export function listImages(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (isImagePath(p)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * The CLI decodes under the Worker's limits (DEFAULT_INPUT_LIMITS: 40 Mpx, 64 MiB decode budget),
 * because the budget decides how far a large JPEG is DCT-scaled and so what tensor comes out: the
 * CLI must see what the Worker serves. Only the file size cap is the budget rather than the HTTP
 * body limit (the input copy counts toward the budget anyway).
 */
export const CLI_INPUT_LIMITS: InputLimits = { ...DEFAULT_INPUT_LIMITS, maxBytes: DEFAULT_INPUT_LIMITS.maxDecodeBytes };

/** An image file → the model input, through the Worker's own imageToInput. */
export async function imageFileInput(bytes: Uint8Array, p: Preprocessing): Promise<ModelInput> {
  await initNodeDecoders();
  return imageToInput(bytes, p, CLI_INPUT_LIMITS);
}
