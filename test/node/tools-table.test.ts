/**
 * Every npm script is in the README's Tools table, and every script runs a file that exists: a tool
 * is reached through its npm script (README "Tools"), and a script never outlives its tool.
 */
import { existsSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
const readme = readFileSync(new URL('README.md', root), 'utf8');
const tools = readme.slice(readme.indexOf('\n## Tools'));

it('the README Tools table names every npm script', () => {
  expect(Object.keys(pkg.scripts).filter((k) => !tools.includes(`\`${k}\``))).toEqual([]);
});

it('every file an npm script runs exists', () => {
  const files = Object.values(pkg.scripts).flatMap((cmd) => [...cmd.matchAll(/(?:^|\s)((?:tools|bin|native)\/\S+\.(?:ts|mjs|js|py|sh))/g)].map((m) => m[1]));
  expect(files.length).toBeGreaterThan(20);
  expect(files.filter((f) => !existsSync(new URL(f, root)))).toEqual([]);
});
