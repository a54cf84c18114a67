/**
 * The bundled models (worker/models.ts) are trusted at run time by the SHA-256 recorded in the
 * list, so this is where their digests are computed: every listed file must hash to its recorded
 * digest and carry it as its trailing digest. Also: a listed file whose digest differs from the
 * list is refused with a clear message, and a bad MODEL var does not break start-up.
 */
import { describe, expect, it } from 'vitest';
import simd128 from '../../build/engine.simd128.wasm';
import { ModelRegistry } from '../../worker/model/registry.ts';
import { MODELS } from '../../worker/models.ts';
import { sha256Hex } from './support.ts';

const bytesOf = (d: ArrayBuffer | Uint8Array) => (d instanceof Uint8Array ? d : new Uint8Array(d));

describe('bundled models', () => {
  it.each(MODELS.map((m) => [m.name, m] as const))('%s: the recorded SHA-256 is the digest of the file and its trailing digest', async (_, m) => {
    const b = bytesOf(m.data);
    expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await sha256Hex(b.subarray(0, b.length - 32))).toBe(m.sha256);
    expect(Array.from(b.subarray(b.length - 32), (x) => x.toString(16).padStart(2, '0')).join('')).toBe(m.sha256);
  });

  it('a listed file that is not the recorded one is refused, not hashed', async () => {
    const tiny = MODELS.find((m) => m.name === 'tiny-synthetic')!;
    const wrong = new ModelRegistry([{ name: 'x', data: tiny.data, sha256: '0'.repeat(64) }], { simd128 });
    await expect(wrong.file('x')).rejects.toThrow(/is not the file the model list records/);
    expect(() => wrong.prepare('x', 'simd128')).toThrow(/is not the file the model list records/);
    // A flipped byte in the body of a trusted file is NOT caught at run time (that is this test's job) ...
    const flipped = bytesOf(tiny.data).slice();
    flipped[flipped.length - 100] ^= 1;
    const trusted = new ModelRegistry([{ name: 'x', data: flipped, sha256: tiny.sha256 }], { simd128 });
    await expect(trusted.file('x')).resolves.toBeDefined();
    // ... but an unlisted digest means the file is verified on load.
    const verified = new ModelRegistry([{ name: 'x', data: flipped }], { simd128 });
    await expect(verified.file('x')).rejects.toThrow(/SHA-256 does not match/);
  });

  it('preloadDefault logs a bad configuration instead of failing the isolate; requests then meet it', () => {
    const r = new ModelRegistry([...MODELS], { simd128 });
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...a: unknown[]) => errors.push(a.join(' '));
    try {
      r.preloadDefault('missing', undefined);
    } finally {
      console.error = original;
    }
    expect(String(errors[0])).toMatch(/could not be prepared at start-up.*MODEL/);
    expect(r.loaded()).toEqual([]);
    expect(() => r.defaultName('missing')).toThrow(/MODEL/);
  });
});
