/**
 * The Worker of an earlier commit, for `npm run bench:request -- --against REF`: its tree
 * (git archive) in <work dir>/ref-<sha>, its dependencies (this tree's node_modules when
 * the lock files are the same, else `npm ci`), its build, and the bench's 224² model in a form it
 * reads (the same file, or converted by its own converter when its model format differs).
 * Everything is cached per commit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RefTree {
  sha: string;
  dir: string;
  /** The 224² model as that commit reads it (undefined when there is none). */
  w10?: string;
}

function run(cmd: string, args: string[], cwd: string, what: string, env: Record<string, string | undefined> = {}): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, ...env } });
  if (r.error || r.status !== 0) throw new Error(`${what} failed in ${cwd}: ${(r.error?.message ?? `${r.stdout}${r.stderr}`).trim().split('\n').slice(-6).join('\n  ')}`);
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** `convert`: the model is the synthetic w10 of tmp/bench/, which can be re-converted from its checkpoint. */
export async function refTree(root: string, work: string, ref: string, o: { w10?: string; convert: boolean; log: (s: string) => void }): Promise<RefTree> {
  let sha: string;
  try {
    sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    throw new Error(`--against ${ref}: not a commit of this repository`);
  }
  const dir = join(work, `ref-${sha.slice(0, 12)}`);
  const ready = join(dir, '.bench-ready');
  if (!existsSync(ready)) {
    o.log(`  making   ${dir.slice(root.length + 1)} (git archive ${sha.slice(0, 7)}, dependencies, build) …`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C "${dir}"`], { cwd: root });
    for (const need of ['worker/models.ts', 'worker/routes/bench.ts']) {
      if (!existsSync(join(dir, need))) throw new Error(`--against ${ref}: that commit predates bench:request (it has no ${need}); pick a later one`);
    }
    if (readFileSync(join(dir, 'package-lock.json'), 'utf8') === readFileSync(join(root, 'package-lock.json'), 'utf8')) {
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    } else {
      o.log('           its package-lock.json differs: npm ci …');
      run('npm', ['ci', '--no-audit', '--no-fund'], dir, 'npm ci', { ONNXRUNTIME_NODE_INSTALL: 'skip' });
    }
    run('npm', ['run', 'build'], dir, 'npm run build');
    writeFileSync(ready, sha);
  } else o.log(`  cached   ${dir.slice(root.length + 1)}`);
  // That tree sits inside this one (tmp/): its own Biome root config would make `npm run lint`
  // here refuse to run ("nested root configuration"). The bench does not lint it.
  for (const f of ['biome.json', 'biome.jsonc']) rmSync(join(dir, f), { force: true });

  if (!o.w10) return { sha, dir };
  // Does that commit read our model file? (`info` parses and verifies it.)
  const cli = join(dir, 'bin/ghostnet-edge.js');
  const reads = spawnSync(process.execPath, [cli, 'info', o.w10], { cwd: dir, encoding: 'utf8' }).status === 0;
  if (reads) return { sha, dir, w10: o.w10 };
  if (!o.convert) throw new Error(`--against ${ref}: that commit cannot read ${o.w10} (another model format?)`);
  const out = join(dir, 'tmp/w10.int8.gnv2');
  const ck = join(root, 'tmp/bench/w10.pth.tar');
  const calib = join(root, 'tmp/bench/calib.npy');
  const key = sha256(JSON.stringify({ sha, ck: sha256(readFileSync(ck)), calib: sha256(readFileSync(calib)) }));
  if (!existsSync(out) || !existsSync(`${out}.key`) || readFileSync(`${out}.key`, 'utf8') !== key) {
    o.log(`  making   the 224² model with ${sha.slice(0, 7)}'s converter (its model format differs), ~2 min once …`);
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    run(process.execPath, [cli, 'convert', ck, '--out', out, '--calib', calib, '--calib-count', '16'], dir, 'convert');
    writeFileSync(`${out}.key`, key);
  }
  return { sha, dir, w10: out };
}
