// models/manifest.json -> build/models.ts (the models the deployed Worker bundles), and
// + test/fixtures/models/manifest.json -> build/models.test.ts (what the workerd tests serve: the
// same plus the test fixture models; vitest.config.ts points the Worker's import at it).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ManifestError, readManifest, generateModule } from './manifest.ts';

export const PRODUCTION = 'models/manifest.json';
export const TEST = 'test/fixtures/models/manifest.json';

export function buildModels(log: (line: string) => void = (l) => process.stdout.write(l)): void {
  const production = { path: PRODUCTION, manifest: readManifest(PRODUCTION) };
  if (production.manifest.models.length === 0) throw new ManifestError(`${PRODUCTION}: no models (the Worker needs at least one)`);
  mkdirSync('build', { recursive: true });
  write('build/models.ts', generateModule([production], 'build/models.ts'), log);
  const test = { path: TEST, manifest: readManifest(TEST) };
  write('build/models.test.ts', generateModule([production, test], 'build/models.test.ts'), log);
}

function write(path: string, text: string, log: (line: string) => void): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
  log(`models: ${path}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    buildModels();
  } catch (e) {
    process.stderr.write(`models: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
