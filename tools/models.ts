/**
 * `add-model` / `remove-model`: put a converted model into the Worker's bundle (models/manifest.json
 * + the file under models/) or take it out, then regenerate build/models.ts. No code to edit.
 */
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModelFile } from '../worker/model/format.ts';
import { defaultModel, MODEL_NAME, readManifest, writeManifest, type ManifestEntry } from './build/manifest.ts';
import { buildModels } from './build/models.ts';
import { cannotRead } from './io/errors.ts';

export class ModelsError extends Error {}

/** The project whose bundle to change: the nearest folder up from `cwd` with models/manifest.json, else this package. */
export function projectRoot(cwd = process.cwd()): string {
  for (let d = resolve(cwd); ; d = dirname(d)) {
    if (existsSync(join(d, 'models/manifest.json')) && existsSync(join(d, 'wrangler.toml'))) return d;
    if (dirname(d) === d) break;
  }
  return fileURLToPath(new URL('..', import.meta.url));
}

export interface AddOptions {
  name?: string;
  default?: boolean;
  description?: string;
  domain?: string;
}

/** Registers `file` (copied to models/<name>.gnv2 unless it already lies under models/); returns what was done, for the user. */
export async function addModel(root: string, file: string, o: AddOptions): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new ModelsError(cannotRead(file, e));
  }
  let header;
  try {
    header = (await readModelFile(bytes)).header;
  } catch (e) {
    throw new ModelsError(`${file} is not a valid model file: ${(e as Error).message}`);
  }
  if (header.precision !== 'int8') throw new ModelsError(`${file} is a ${header.precision} model; the Worker runs int8 models (convert with --calib or --precision int8)`);
  const name = o.name ?? header.name;
  if (!MODEL_NAME.test(name)) throw new ModelsError(`model name "${name}" must match ${MODEL_NAME} (pass --name)`);

  const manifestPath = join(root, 'models/manifest.json');
  const manifest = readManifest(manifestPath);
  if (manifest.models.some((m) => m.name === name)) throw new ModelsError(`a model named "${name}" is already bundled (remove-model ${name} first, or pass --name)`);

  const modelsDir = join(root, 'models');
  const src = resolve(file);
  let rel = relative(modelsDir, src);
  if (rel.startsWith('..') || resolve(modelsDir, rel) !== src) {
    rel = `${name}.gnv2`;
    const dest = join(modelsDir, rel);
    if (existsSync(dest)) throw new ModelsError(`${dest} already exists (pass another --name, or remove it)`);
    copyFileSync(src, dest);
  }
  const entry: ManifestEntry = {
    name,
    file: rel.split('\\').join('/'),
    ...(o.default ? { default: true } : {}),
    description: o.description ?? `GhostNetV2-${header.architecture.width} (${header.precision}), ${header.architecture.num_classes} classes, from ${header.provenance.source}`,
    ...(o.domain ? { domain: { text: o.domain } } : {}),
  };
  if (o.default) for (const m of manifest.models) delete m.default;
  manifest.models.push(entry);
  writeManifest(manifestPath, manifest);
  regenerate(root);
  const isDefault = defaultModel(manifest) === name;
  const mb = (statSync(join(modelsDir, entry.file)).size / 1e6).toFixed(1);
  return `added "${name}" (models/${entry.file}, ${mb} MB, ${header.architecture.num_classes} classes, input ${header.preprocessing.input_size}px)${isDefault ? ' as the default model' : ''}; \`npm start\` serves it`;
}

export function removeModel(root: string, name: string): string {
  const manifestPath = join(root, 'models/manifest.json');
  const manifest = readManifest(manifestPath);
  const i = manifest.models.findIndex((m) => m.name === name);
  if (i < 0) throw new ModelsError(`no bundled model named "${name}" (bundled: ${manifest.models.map((m) => m.name).join(', ')})`);
  if (manifest.models.length === 1) throw new ModelsError(`"${name}" is the only bundled model; the Worker needs one (add-model another first)`);
  const [gone] = manifest.models.splice(i, 1);
  let note = '';
  if (gone.default) {
    manifest.models[0].default = true;
    note = `; "${manifest.models[0].name}" is now the default`;
  }
  writeManifest(manifestPath, manifest);
  regenerate(root);
  return `removed "${name}" from the bundle${note} (models/${gone.file} is kept: delete it if you no longer need it)`;
}

/** build/models.ts of the project at `root` (the build resolves paths from the project folder). */
function regenerate(root: string): void {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    buildModels(() => {});
  } finally {
    process.chdir(cwd);
  }
}
