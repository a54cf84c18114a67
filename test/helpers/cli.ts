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

/** True when Debian's PyTorch is usable; the golden tests that need it say so when it is not. */
export function hasTorch(): boolean {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  return r.status === 0;
}
