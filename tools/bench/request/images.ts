/**
 * The images `npm run bench:request` sends: real photos from test/fixtures/photos, and the ones
 * the photos lack made from them at bench time by tools/bench/request_images.py (Debian's Pillow),
 * cached in tmp/bench/request/images/ under a key of the script and its inputs.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchImage {
  id: string;
  label: string;
  /** Relative to the repository. */
  path: string;
  bytes: Uint8Array;
}

interface Spec {
  id: string;
  label: string;
  /** `photos/<file>`: a committed photo; `made/<file>`: written by request_images.py. */
  src: string;
}

/** In table order. The first is the one the targets and the cold-start runs use. */
const SPECS: Spec[] = [
  { id: 'jpeg-640-420', label: '640×427 JPEG, baseline 4:2:0', src: 'made/china_640x427_420.jpg' },
  { id: 'jpeg-1024', label: '1024×768 JPEG, baseline 4:2:0', src: 'photos/raccoon_face_1024x768.jpg' },
  { id: 'jpeg-640-444', label: '640×427 JPEG, baseline 4:4:4', src: 'photos/china_palace_640x427.jpg' },
  { id: 'jpeg-640-progressive', label: '640×427 JPEG, progressive 4:2:0', src: 'made/china_640x427_420_progressive.jpg' },
  { id: 'jpeg-12mpx', label: '4000×3000 JPEG, baseline 4:2:0 (12 Mpx phone photo)', src: 'made/phone_4000x3000.jpg' },
  { id: 'png', label: '600×400 PNG (RGB)', src: 'photos/coffee_600x400.png' },
  { id: 'webp', label: '600×400 WebP, lossy q80', src: 'made/coffee_600x400_q80.webp' },
];

export const IMAGE_IDS = SPECS.map((s) => s.id);

const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The bench images (`only`: a subset of ids); throws with the reason when some cannot be made. */
export function benchImages(root: string, dir: string, python: string, only?: string[], log: (s: string) => void = () => {}): BenchImage[] {
  const photos = join(root, 'test/fixtures/photos');
  const script = join(root, 'tools/bench/request_images.py');
  const specs = only ? SPECS.filter((s) => only.includes(s.id)) : SPECS;
  if (specs.some((s) => s.src.startsWith('made/'))) {
    const inputs = ['china_palace_640x427.jpg', 'dandelions_5312x2988.jpg', 'coffee_600x400.png'].map((f) => sha(readFileSync(join(photos, f))));
    const key = JSON.stringify({ script: sha(readFileSync(script)), inputs, python });
    const keyFile = join(dir, 'images.key');
    const made = SPECS.filter((s) => s.src.startsWith('made/')).every((s) => existsSync(join(dir, s.src.slice(5))));
    if (!made || !existsSync(keyFile) || readFileSync(keyFile, 'utf8') !== key) {
      log(`  making   bench images (${script.slice(root.length + 1)}, Pillow) …`);
      const r = spawnSync(python, [script, photos, dir], { encoding: 'utf8' });
      if (r.error || r.status !== 0) throw new Error(`${python} ${script} failed: ${(r.error?.message ?? r.stderr).trim().split('\n').slice(-3).join(' ')} (needs Debian's python3-pil)`);
      writeFileSync(keyFile, key);
    } else log('  cached   bench images');
  }
  return specs.map((s) => {
    const path = s.src.startsWith('photos/') ? join(photos, s.src.slice(7)) : join(dir, s.src.slice(5));
    return { id: s.id, label: s.label, path: path.slice(root.length + 1), bytes: new Uint8Array(readFileSync(path)) };
  });
}
