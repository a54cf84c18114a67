/** Command-line helpers shared by the bench tools. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A bad option: the tool prints it with its help and exits 2. */
export class UsageError extends Error {}

/** An integer option ≥ `min`, or `def` when absent. */
export function int(v: string | undefined, name: string, def: number, min = 0): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
}

/**
 * Runs a bench tool's `main` and exits with its code: a UsageError prints the message and the
 * help (exit 2), anything else its stack (exit 1).
 */
export function runTool(name: string, help: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      if (e instanceof UsageError) {
        console.error(`${name}: ${e.message}\n\n${help}`);
        process.exit(2);
      }
      console.error(`${name}: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}

/** Writes each [path, text], making the folders. */
export function writeReports(files: Array<[path: string, text: string]>): void {
  for (const [path, text] of files) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}
