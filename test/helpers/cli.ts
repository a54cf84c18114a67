/** Runs the real CLI (bin/ghostnet-edge.js) as a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], timeoutMs = 600_000): CliResult {
  const r = spawnSync(process.execPath, [`${ROOT}/bin/ghostnet-edge.js`, ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const APT: Record<string, string> = { torch: 'python3-torch', torchvision: 'python3-torchvision', PIL: 'python3-pil', numpy: 'python3-numpy', onnx: 'python3-onnx' };

/**
 * Why Debian's /usr/bin/python3 cannot run a golden test: the first of `modules` it cannot import
 * (named, with its Debian package), or null when it has them all.
 */
export function missingPython(modules: string[] = ['torch', 'torchvision']): string | null {
  for (const m of modules) {
    const r = spawnSync('/usr/bin/python3', ['-c', `import ${m}`], { encoding: 'utf8' });
    if (r.status !== 0) return `/usr/bin/python3 cannot import ${m} (apt-get install ${APT[m] ?? `the package providing ${m}`})`;
  }
  return null;
}

/** True when Debian's PyTorch and torchvision are usable (missingPython says which is missing). */
export function hasTorch(): boolean {
  return missingPython(['torch', 'torchvision']) === null;
}
