/**
 * Every tool an npm script runs keeps the CLI standard (tools/lib/args.ts): an unknown option or a
 * bad value is a one-line reason (then the help) and exit 2, fast, before any work, never a stack
 * trace; `--help` prints the help and exits 0. The tools come from package.json's scripts, so a new
 * tool is covered without editing this file. Each tool is spawned as its script runs it (minus the
 * `npm run build &&` in front), with `node --import tsx`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> };

/** Scripts that run a TypeScript file but are not option-taking tools, and why. */
const NOT_TOOLS: Record<string, string> = {
  build: 'the build: tools/build/models.ts and tools/build/openapi.ts regenerate build/models.ts and build/openapi.ts and take no arguments',
  typecheck: 'runs tools/build/models.ts and tools/build/openapi.ts (no arguments) and then tsc',
};

interface Tool {
  script: string;
  /** node's arguments before the tool's own: the script's node flags, the tsx loader, the file. */
  argv: string[];
}

/** The tools: scripts whose last command runs a tools/**.ts file under tsx (`tsx F` or `node … --import tsx F`). */
function tools(): Tool[] {
  const out: Tool[] = [];
  for (const [script, cmd] of Object.entries(pkg.scripts)) {
    const last = cmd.split('&&').at(-1)!.trim().split(/\s+/);
    const file = last.find((w) => /^tools\/\S+\.ts$/.test(w));
    if (!file || script in NOT_TOOLS) continue;
    if (last[0] === 'tsx') out.push({ script, argv: ['--import', 'tsx', file] });
    else if (last[0] === 'node' && last.includes('tsx')) out.push({ script, argv: last.slice(1, last.indexOf(file) + 1) });
    else throw new Error(`${script}: runs ${file} in a way this test does not know: ${cmd}`);
  }
  return out;
}

/** Tools run without an npm script (README: the CLI; the prepare bench's header). */
const EXTRA: Tool[] = [
  { script: '(cli) tools/cli.ts', argv: ['--import', 'tsx', 'bin/ghostnet-edge.js'] },
  { script: '(bench:prepare) tools/bench/prepare.ts', argv: ['--import', 'tsx', 'tools/bench/prepare.ts'] },
];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A tool that takes longer than this to reject an option has started its work. */
const FAST_MS = 20_000;

function run(argv: string[]): Promise<Run> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, argv, { cwd: root, env: { ...process.env, DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: FAST_MS, killSignal: 'SIGKILL' });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr, ms: performance.now() - t0 }));
  });
}

/** Runs at most `n` at a time (the machine's other work is timing things). */
async function pool<T, R>(items: T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

const ALL = [...tools(), ...EXTRA];
const STACK = /^\s+at /m;

/** The usage error's shape: `<tool>: <reason>` on one line, then nothing or the help (as --help prints it). */
function expectUsageError(r: Run, help: string, reason: RegExp): void {
  expect(r.signal, 'killed: the tool did not return fast (it started working)').toBeNull();
  expect(r.code).toBe(2);
  expect(r.stderr).not.toMatch(STACK);
  const [first, ...rest] = r.stderr.trimEnd().split('\n');
  expect(first).toMatch(/^[\w:() .-]+: \S/);
  expect(first).toMatch(reason);
  const tail = rest.join('\n').trim();
  if (tail) expect(tail).toBe(help.trim());
}

describe('tool arguments', () => {
  it('finds the tools of package.json', () => {
    const names = tools().map((t) => t.script);
    for (const s of ['bench', 'bench:pointwise', 'bench:jpeg', 'bench:image', 'serve', 'loadtest', 'fuzz', 'eval:decode-fast']) expect(names).toContain(s);
  });

  it('every tool: --help exits 0 with its help; an unknown option is a one-line reason and exit 2, fast', { timeout: 240_000 }, async () => {
    const results = await pool(ALL, 4, async (t) => ({ t, help: await run([...t.argv, '--help']), bad: await run([...t.argv, '--no-such-option']) }));
    const failures: string[] = [];
    for (const { t, help, bad } of results) {
      try {
        expect(help.code, `--help: ${help.stderr}`).toBe(0);
        expect(help.stdout.trim().length).toBeGreaterThan(20);
        expect(help.stderr).not.toMatch(STACK);
        expectUsageError(bad, help.stdout, /no-such-option/);
      } catch (e) {
        failures.push(`${t.script}: ${(e as Error).message.split('\n')[0]}\n    stderr: ${bad.stderr.split('\n').slice(0, 3).join(' | ')}`);
      }
    }
    expect(failures).toEqual([]);
  });

  const BAD: Array<[script: string, args: string[], reason: RegExp]> = [
    ['bench:pointwise', ['--samples', 'abc'], /--samples must be an integer/],
    ['bench:pointwise', ['--tiles', 'wide'], /--tiles must be splat or shuffle/],
    ['bench:pointwise', ['no-such-build'], /no-such-build: not a build/],
    ['bench:pointwise', ['x=README.md'], /not a \.wasm file/],
    ['bench:depthwise', ['tmp/no-such-engine.wasm'], /no such file/],
    ['bench:gate', ['README.md'], /README\.md: not a build/],
    ['bench:gate', ['--samples'], /argument missing|--samples/],
    ['loadtest', ['-n', '-5'], /Option '-n' argument is ambiguous\. Did you forget/],
    ['loadtest', ['--n=-5'], /-n must be an integer ≥ 1, got -5/],
    ['loadtest', ['-c', '0'], /-c must be an integer ≥ 1, got 0/],
    ['loadtest', ['--cache', 'maybe'], /--cache must be on or off/],
    ['fuzz', ['--cases', '1e3x'], /--cases must be an integer/],
    ['fuzz', ['--target', 'font'], /--target: unknown target font/],
    ['bench:jpeg', ['--only', '('], /--only: Invalid regular expression/],
    ['bench:codecs', ['--runs', '0'], /--runs must be an integer ≥ 1/],
    ['bench:workerd', ['--rounds', 'x'], /--rounds must be an integer/],
    ['serve', ['--var', 'NOEQUALS'], /--var wants NAME=VALUE/],
    ['bench:image', ['stray'], /positional argument/],
    ['eval:fidelity', ['a.pth'], /expected <checkpoint> <images\.npy> <torch_logits\.npy> \[calib\], got 1 argument$/],
    ['eval:int8-tensors', ['no.pth', 'no.npy', 'no.npy'], /no\.pth: no such file/],
    ['eval:fake-quant', ['README.md', 'README.md', 'README.md', '8', 'sideways'], /mode must be all or w or a or blocks or bias, got sideways/],
    ['test:mutants', ['no-such-mutant'], /unknown mutant\(s\): no-such-mutant; known: /],
    ['eval:decode-fast', ['--runs=-1'], /--runs must be an integer ≥ 1/],
    ['(cli) tools/cli.ts', ['classify', '--top-k', 'x'], /^ghostnet-edge: option '--top-k/],
  ];
  it('a bad value or file argument is a one-line reason and exit 2', { timeout: 240_000 }, async () => {
    const byName = new Map(ALL.map((t) => [t.script, t]));
    const results = await pool(BAD, 4, async ([script, args, reason]) => {
      const t = byName.get(script);
      if (!t) throw new Error(`no tool ${script}`);
      return { script, args, reason, help: await run([...t.argv, '--help']), bad: await run([...t.argv, ...args]) };
    });
    const failures: string[] = [];
    for (const { script, args, reason, help, bad } of results) {
      try {
        expectUsageError(bad, help.stdout, reason);
      } catch (e) {
        failures.push(`${script} ${args.join(' ')}: ${(e as Error).message.split('\n')[0]}\n    stderr: ${bad.stderr.split('\n').slice(0, 3).join(' | ')}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
