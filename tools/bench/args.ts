/** Report writing shared by the bench tools (their command-line handling is tools/lib/args.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes each [path, text], making the folders. */
export function writeReports(files: Array<[path: string, text: string]>): void {
  for (const [path, text] of files) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}
