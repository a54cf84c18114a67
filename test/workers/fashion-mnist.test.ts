/**
 * End to end on the default model: 200 Fashion-MNIST TEST images (never seen in training or
 * calibration) posted as PNG to the worker in workerd; at least 90% must come back with the
 * right label, and none may be called out of the model's domain.
 */
/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import labels from '../fixtures/fashion-mnist/labels.json';
import { BASE, post } from './support.ts';

const pngs = import.meta.glob('../fixtures/fashion-mnist/*.png', { query: '?inline', import: 'default' });

function bytesOf(url: unknown): Uint8Array {
  const m = /^data:[^,]*;base64,(.*)$/s.exec(String(url));
  if (!m) throw new Error('PNG fixture was not inlined as base64');
  return (Uint8Array as unknown as { fromBase64(s: string): Uint8Array }).fromBase64(m[1]);
}

describe('default model on Fashion-MNIST test images (workerd)', () => {
  it('classifies ≥ 90% of 200 test PNGs correctly', async () => {
    expect(labels.images).toHaveLength(200);
    let correct = 0;
    for (const item of labels.images) {
      const data = bytesOf(await pngs[`../fixtures/fashion-mnist/${item.file}`]());
      const res = await post('/v1/classify?top_k=1', data as Uint8Array<ArrayBuffer>, { 'Content-Type': 'image/png' });
      expect(res.status, item.file).toBe(200);
      const body = (await res.json()) as { model: { name: string }; predictions: { label: string; index: number }[]; domain: { in_domain: boolean } };
      expect(body.model.name).toBe('fashion-mnist');
      // A test image of the very data set the model was trained on is never flagged out of domain.
      expect(body.domain, item.file).toEqual({ in_domain: true });
      if (body.predictions[0].index === item.label) correct++;
      expect(body.predictions[0].label).toBe(labels.labels[body.predictions[0].index]);
    }
    console.log(`fashion-mnist end to end in workerd: ${correct}/200 correct (${BASE})`);
    expect(correct / 200).toBeGreaterThanOrEqual(0.9);
  }, 300_000);
});
