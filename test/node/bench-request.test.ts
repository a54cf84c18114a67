/**
 * `npm run bench:request` end to end in its smallest form (two committed photos, the default
 * model and the committed tiny model as the second, 2 samples): it must bundle the real Worker
 * with the extra model, serve it in workerd, and write a report whose figures are real
 * measurements. Not a speed test: no figure is compared with a bound other than > 0.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RequestReport } from '../../tools/bench/request/markdown.ts';
import { ROOT } from '../helpers/cli.ts';

const work = join(ROOT, 'tmp/test-bench-request');

describe('npm run bench:request (smallest run)', () => {
  it('measures the real Worker in workerd and writes the JSON and markdown reports', () => {
    rmSync(work, { recursive: true, force: true });
    const args = ['--samples', '2', '--warmup', '1', '--cold-runs', '1', '--node-rounds', '1', '--images', 'jpeg-640-444,png', '--node', '--cold-stages', '--warm-stages'];
    args.push('--model', 'test/fixtures/models/tiny_w015_c10_s64.int8.gnv2', '--work', work, '--json', `${work}/r.json`, '--md', `${work}/r.md`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/bench/request.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 280_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const rep = JSON.parse(readFileSync(`${work}/r.json`, 'utf8')) as RequestReport;
    expect(rep.models.map((m) => m.id)).toEqual(['default', 'file']);
    const now = rep.warm.filter((w) => w.variant === 'now');
    // --warm-stages: the stage routes of the default model, beside the models (no top-1 class).
    const rows = ['default', 'file', 'until=decode', 'until=resize', 'until=infer'];
    expect(now.map((w) => `${w.image}|${w.model}`)).toEqual(['jpeg-640-444', 'png'].flatMap((i) => rows.map((m) => `${i}|${m}`)));
    // --node: the same app served by a Node process, and `serve`: the same bundle in workerd alone
    // (npm run serve's configuration), measured the same way, answer the same classes.
    for (const other of ['node', 'serve']) {
      const rows = rep.warm.filter((w) => w.variant === other);
      expect(rows.map((w) => `${w.image}|${w.model}|${w.top1}`)).toEqual(now.map((w) => `${w.image}|${w.model}|${w.top1}`));
    }
    expect(rep.variants.map((v) => `${v.id}|${v.server}`)).toEqual(['now|miniflare', 'serve|plain', 'node|undefined']);
    // Miniflare feeds workerd its binary config on stdin; `serve` is workerd alone on a config
    // file that serves the bundle as the only service (npm run serve's, tools/serve/config.ts),
    // given to workerd in binary too (its text form's compiler reads the embedded model at
    // start-up: request/workerd.ts), with the text form beside it.
    const [now0, serve0] = rep.variants;
    expect(now0.argv?.slice(1, 3)).toEqual(['serve', '--binary']);
    expect(serve0.argv?.slice(1, 3)).toEqual(['serve', '--binary']);
    const binary = readFileSync(serve0.argv![3]);
    expect(serve0.argv![3]).toMatch(/\.bin$/);
    const capnp = readFileSync(serve0.argv![3].replace(/\.bin$/, '.capnp'), 'utf8');
    expect(capnp).toMatch(/^\s*services = \[ \(name = "main", worker = \.worker\) \],$/m);
    expect(capnp).toContain('(name = "BENCH_ROUTES", text = "1")');
    // The binary message holds the same modules, whole (the model's bytes among them), and vars.
    const modules = [...capnp.matchAll(/\(name = "([^"]+)", \w+ = embed "[^"]+"\)/g)].map((m) => m[1]);
    expect(modules.length).toBeGreaterThan(3);
    const dir = dirname(serve0.argv![3]);
    for (const name of modules) {
      expect(binary.includes(Buffer.from(name))).toBe(true);
      expect(binary.includes(readFileSync(join(dir, name)))).toBe(true);
    }
    expect(binary.includes(Buffer.from('BENCH_ROUTES'))).toBe(true);
    for (const w of rep.warm) {
      expect(w.raw.cpu.n).toBe(2);
      expect(w.raw.cpu.median).toBeGreaterThan(0);
      expect(w.raw.wall.median).toBeGreaterThan(0);
      if (w.model.startsWith('until=')) expect(w.top1).toBe(-1);
      else expect(w.top1).toBeGreaterThanOrEqual(0);
    }
    expect(rep.noop.map((n) => `${n.variant}|${n.image}`)).toEqual(['now|jpeg-640-444', 'now|png', 'serve|jpeg-640-444', 'serve|png', 'node|jpeg-640-444', 'node|png']);
    // Cold starts are workerd's: the node variant has none.
    // --cold-stages: the stage routes' first requests too (each answered 200, or send throws).
    const targets = ['noop', 'until=decode', 'until=resize', 'until=infer', 'default', 'file'];
    expect(rep.cold.map((c) => `${c.variant}|${c.target}`)).toEqual(['now', 'serve'].flatMap((v) => targets.map((t) => `${v}|${t}`)));
    for (const c of rep.cold) {
      expect(c.firstCpuMs).toBeGreaterThan(0);
      // The isolate's thread is one of the process's threads: its CPU is part of the whole.
      expect(c.firstMainCpuMs).toBeGreaterThan(0);
      expect(c.firstMainCpuMs).toBeLessThanOrEqual(c.firstCpuMs);
      expect(c.warmMainCpuMs).toBeLessThanOrEqual(c.warmCpuMs);
    }
    // workerd's own floor: an empty Worker's first and warm requests, measured the same way, under
    // each server. Miniflare starts its own Workers too (an entry Worker, a cache, an outbound
    // filter: five isolates), workerd alone one: its start-up costs less.
    expect(rep.empty.map((e) => e.server)).toEqual(['miniflare', 'plain']);
    for (const e of rep.empty) {
      expect(e.row.firstCpuMs).toBeGreaterThan(0);
      expect(e.row.warmCpuMs).toBeGreaterThan(0);
    }
    expect(rep.empty[1].startup.cpuMs).toBeLessThan(rep.empty[0].startup.cpuMs);
    expect(rep.stages).toHaveLength(4);
    for (const s of rep.stages) expect(s.stages.inference.median).toBeGreaterThan(0);
    // The Worker and Node ran the same code on the same bytes: same top-1 class.
    expect(rep.notes.filter((n) => n.includes('differs'))).toEqual([]);
    const md = readFileSync(`${work}/r.md`, 'utf8');
    expect(md).toContain('## Warm requests in workerd: CPU ms');
    expect(md).toContain('## Cold start');
    expect(md).toContain('## Targets');
  }, 300_000);
});
