/**
 * The CLI in daily use (issue #9.6): a short `info`, a `classify` batch that survives a bad input,
 * one wording for unreadable paths, an example in every command's --help. The real CLI, as a
 * child process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelFile } from '../../worker/model/format.ts';
import { ROOT, runCli } from '../helpers/cli.ts';

const MODEL = 'models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2';
const FM = (n: string) => `test/fixtures/fashion-mnist/${n}`;

describe('info', () => {
  it('prints a short summary by default; the tensors behind --tensors, the whole header behind --json', async () => {
    const header = (await readModelFile(new Uint8Array(readFileSync(join(ROOT, MODEL))))).header;
    const short = runCli(['info', MODEL]);
    expect(short.status, short.stderr).toBe(0);
    expect(short.stdout.length).toBeLessThan(2000);
    expect(short.stdout.trim().split('\n').length).toBeLessThanOrEqual(10);
    expect(short.stdout).toContain('fashion-mnist: GhostNetV2 width 1, 10 classes');
    expect(short.stdout).toContain('64x64 grayscale');
    expect(short.stdout).toContain('Ankle boot');
    expect(short.stdout).toContain(`${header.tensors.length} tensors`);

    const tensors = runCli(['info', MODEL, '--tensors']);
    for (const t of header.tensors) expect(tensors.stdout).toContain(`  ${t.name}  ${t.dtype} [${t.shape.join(', ')}]\n`);

    const json = runCli(['info', MODEL, '--json']);
    const parsed = JSON.parse(json.stdout) as { tensors: unknown[]; labels: string[] };
    expect(parsed.tensors).toEqual(header.tensors);
    expect(parsed.labels).toEqual(header.labels);
  });
});

describe('classify', () => {
  it('goes on past inputs it cannot read or decode: one error line each, JSON lines for the rest, exit 1', () => {
    const r = runCli(['classify', '--model', MODEL, '--top-k', '1', FM('test_00000.png'), 'no/such.png', 'test/fixtures/hostile/truncated_half.jpg', FM('test_00001.png')]);
    expect(r.status).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input: string; predictions: Array<{ label: string }> });
    expect(lines.map((l) => l.input)).toEqual([FM('test_00000.png'), FM('test_00001.png')]);
    // labels.json of the fixtures: an ankle boot and a pullover
    expect(lines.map((l) => l.predictions[0].label)).toEqual(['Ankle boot', 'Pullover']);
    const errors = r.stderr.trim().split('\n');
    expect(errors).toEqual([
      'ghostnet-edge: cannot read no/such.png: no such file or directory',
      expect.stringMatching(/^ghostnet-edge: test\/fixtures\/hostile\/truncated_half\.jpg: .*JPEG.*truncated/),
      'ghostnet-edge: 2 of 4 inputs failed',
    ]);
  });

  it('exits 0 when every input is classified', () => {
    const r = runCli(['classify', '--model', MODEL, FM('test_00000.png')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('error wording', () => {
  it('every unreadable path reads `cannot read <path>: <reason>`, never a raw Node error', () => {
    const cases: Array<[string[], string]> = [
      [['info', 'missing.gnv2'], 'cannot read missing.gnv2: no such file or directory'],
      [['info', 'models'], 'cannot read models: is a directory, not a file'],
      [['classify', '--model', 'missing.gnv2', FM('test_00000.png')], 'cannot read missing.gnv2: no such file or directory'],
      [['convert', 'missing.pth.tar', '--out', 'x.gnv2'], 'cannot read missing.pth.tar: no such file or directory'],
      [['convert', 'models/fashion-mnist/ghostnetv2_fmnist.pth.tar', '--out', 'tmp/x.gnv2', '--calib', 'no/such/folder'], 'cannot read no/such/folder: no such file or directory'],
      [['convert', 'models/fashion-mnist/ghostnetv2_fmnist.pth.tar', '--out', 'tmp/x.gnv2', '--labels', 'no-labels.txt'], 'cannot read no-labels.txt: no such file or directory'],
      [['add-model', 'missing.gnv2'], 'cannot read missing.gnv2: no such file or directory'],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toBe(`ghostnet-edge: ${message}\n`);
      expect(r.stderr).not.toMatch(/ENOENT|EISDIR|scandir|errno/);
    }
  });
});

describe('--help', () => {
  it('every command shows an example', () => {
    const top = runCli(['--help']);
    expect(top.stdout).toContain('Example');
    const commands = [...top.stdout.matchAll(/^ {2}([a-z-]+) .*$/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['convert', 'info', 'classify', 'add-model', 'remove-model', 'eval', 'sqnr']));
    for (const c of commands) {
      const r = runCli([c, '--help']);
      expect(r.status, c).toBe(0);
      expect(r.stdout, c).toMatch(/Examples?:\n {2}npx ghostnet-edge /);
    }
  });
});
