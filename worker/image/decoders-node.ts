/**
 * Node entry (CLI, tests, tools): compile the decoders' .wasm files straight
 * from node_modules. Workers must use decoders-workerd.ts instead.
 */

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodersReady, initDecoders } from './decoders.ts';

const WASM_FILES = {
  jpeg: ['@jsquash/jpeg', 'codec/dec/mozjpeg_dec.wasm'],
  png: ['@jsquash/png', 'codec/pkg/squoosh_png_bg.wasm'],
  webp: ['@jsquash/webp', 'codec/dec/webp_dec.wasm'],
} as const;

let pending: Promise<void> | null = null;

/** Resolves once the decoders are usable; safe to call many times. */
export function initNodeDecoders(): Promise<void> {
  if (decodersReady()) return Promise.resolve();
  return (pending ??= (async () => {
    const require = createRequire(import.meta.url);
    const compile = async ([pkg, file]: readonly [string, string]) =>
      WebAssembly.compile(await readFile(join(dirname(require.resolve(`${pkg}/package.json`)), file)));
    const [jpeg, png, webp] = await Promise.all([compile(WASM_FILES.jpeg), compile(WASM_FILES.png), compile(WASM_FILES.webp)]);
    initDecoders({ jpeg, png, webp });
  })().catch((e) => {
    pending = null;
    throw e;
  }));
}
