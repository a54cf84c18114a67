/**
 * Command-line handling shared by every tool (README "Tools"): a non-zero exit with a one-line
 * reason, never a crash. A bad option or value prints `<tool>: <reason>`, then the help, on stderr
 * and exits 2; `--help`/`-h` prints the help on stdout and exits 0 before any work; any other error
 * prints `<tool>: <message>` (its stack too with DEBUG=1) and exits 1. Options are parsed by
 * node:util parseArgs in strict mode, so an unknown option is a usage error, never ignored.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A bad option: the tool prints it with its help and exits 2. */
export class UsageError extends Error {}

/** An integer option ≥ `min`, or `def` when absent. */
export function int(v: string | undefined, name: string, def: number, min = 0): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer${min > -Infinity ? ` ≥ ${min}` : ''}, got ${v}`);
  return n;
}

/** A finite number option ≥ `min`, or `def` when absent. */
export function num(v: string | undefined, name: string, def: number, min = -Infinity): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`${name} must be a number${min > -Infinity ? ` ≥ ${min}` : ''}, got ${v}`);
  return n;
}

/** An option that must be one of `choices`, or `def` when absent. */
export function oneOf<T extends string>(v: string | undefined, name: string, choices: readonly T[], def?: T): T | undefined {
  if (v === undefined) return def;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`${name} must be ${choices.join(' or ')}, got ${v}`);
  return v as T;
}

/** A regular-expression option, or undefined when absent. */
export function regex(v: string | undefined, name: string): RegExp | undefined {
  if (v === undefined) return undefined;
  try {
    return new RegExp(v);
  } catch (e) {
    throw new UsageError(`${name}: ${(e as Error).message}`);
  }
}

/** The positional arguments, `min` to `max` of them (`usage` names them in the error). */
export function positionalCount(p: string[], min: number, max: number, usage: string): string[] {
  if (p.length < min || p.length > max) throw new UsageError(`expected ${usage}, got ${p.length} argument${p.length === 1 ? '' : 's'}`);
  return p;
}

/** A file argument that must exist. */
export function existingFile(path: string, what = path): string {
  if (!existsSync(path)) throw new UsageError(`${what}: no such file`);
  return path;
}

/** An engine binary argument: an existing file whose name ends in .wasm (`what` names it in the error). */
export function wasmFile(path: string, what = path): string {
  if (!path.endsWith('.wasm')) throw new UsageError(`${what}: not a .wasm file`);
  if (!existsSync(path)) throw new UsageError(`${what}: no such file`);
  return path;
}

/** The engine builds a bench can name instead of a file (build/engine.<name>.wasm). */
const ENGINE_BUILDS = ['scalar', 'simd128', 'relaxed'];

/** An engine argument of the kernel benches: a build name (ENGINE_BUILDS) or an existing .wasm file. */
export function engineBuild(arg: string): string {
  if (arg.endsWith('.wasm')) return wasmFile(arg);
  if (!ENGINE_BUILDS.includes(arg)) throw new UsageError(`${arg}: not a build (${ENGINE_BUILDS.join(', ')}) or a .wasm file`);
  return arg;
}

/** The help of a tool whose header comment documents it: the first `/** … *\/` block of `moduleUrl`'s file. */
export function headerHelp(moduleUrl: string): string {
  const text = readFileSync(fileURLToPath(moduleUrl), 'utf8');
  const m = /\/\*\*([\s\S]*?)\*\//.exec(text);
  if (!m) return '';
  return m[1]
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

const isParseError = (e: unknown) => String((e as NodeJS.ErrnoException | undefined)?.code).startsWith('ERR_PARSE_ARGS');

/** Prints `e` the shared way and exits: 2 for a usage error (with the help), 1 for anything else. */
export function exitWithError(name: string, help: string, e: unknown): never {
  if (e instanceof UsageError || isParseError(e)) {
    // parseArgs's messages run over several lines ("… is ambiguous.\nDid you forget …"): one line
    process.stderr.write(`${name}: ${(e as Error).message.replace(/\s*\n\s*/g, ' ')}\n\n${help}\n`);
    process.exit(2);
  }
  const message = e instanceof Error ? e.message : String(e);
  const stack = process.env.DEBUG && e instanceof Error && e.stack ? `\n${e.stack}` : '';
  process.stderr.write(`${name}: ${message.split('\n')[0]}${stack}\n`);
  process.exit(1);
}

/** Options plus `--help`/`-h`; parsed strictly (unknown options and stray positionals are errors). */
function parseStrict<T extends ParseArgsConfig>(argv: string[], config: T) {
  const options = { ...config.options, help: { type: 'boolean', short: 'h', default: false } } as const;
  return parseArgs({ ...config, args: argv, options, strict: true } as T & { args: string[]; options: typeof options; strict: true });
}

/**
 * For a tool written as a script (work at the top level): parses process.argv strictly, handles
 * `--help` (help on stdout, exit 0) and bad options (exit 2), and makes every later uncaught error
 * one line and exit 1 (a UsageError thrown later, e.g. by `int`, exits 2 with the help).
 */
export function toolArgs<T extends ParseArgsConfig>(name: string, help: string, config: T) {
  process.on('uncaughtException', (e) => exitWithError(name, help, e));
  let parsed: ReturnType<typeof parseStrict<T>>;
  try {
    parsed = parseStrict(process.argv.slice(2), config);
  } catch (e) {
    exitWithError(name, help, e);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${help}\n`);
    process.exit(0);
  }
  return parsed;
}

/**
 * Runs a tool's `main` and exits with its code: a UsageError or a parseArgs error prints the
 * message and the help (exit 2), anything else one line (exit 1; the stack with DEBUG=1).
 */
export function runTool(name: string, help: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => exitWithError(name, help, e),
  );
}
