/** Image files → normalized model inputs in Node, through the same pipeline the Worker runs. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Preprocessing } from '../../worker/model/format.ts';
import { decodeImage } from '../../worker/image/decode.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { preprocess } from '../../worker/image/preprocess.ts';
import { Feature } from '../convert/float-forward.ts';

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
 * Node has memory to spare, so unlike the Worker (128 MB isolate, MAX_DECODE_MB) the tools decode
 * every image at full size, Pillow-exact, under a 1 GiB decode budget (a 40 Mpx progressive JPEG
 * needs ~270 MiB).
 */
export const TOOLS_MAX_DECODE_BYTES = 1024 * 1024 * 1024;

export async function imageToFeature(path: string, p: Preprocessing): Promise<Feature> {
  await initNodeDecoders();
  const img = await decodeImage(new Uint8Array(readFileSync(path)), { maxDecodeBytes: TOOLS_MAX_DECODE_BYTES });
  return new Feature(3, p.input_size, p.input_size, preprocess(img, p));
}
