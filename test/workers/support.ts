/// <reference types="vite/client" />
/**
 * Shared by the workerd tests: fixture bytes (workerd has no file system, so Vite inlines them
 * into the test module as base64 data: URLs; SVG is text and comes raw) and request helpers.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../worker/index.ts';
import type { Env } from '../../worker/env.ts';
import hostileManifest from '../fixtures/hostile/manifest.json';
import photoManifest from '../fixtures/photos/manifest.json';

// Lazy: each test file loads only the fixtures it uses (inlined modules are slow to ship into workerd).
const photoLoaders = import.meta.glob('../fixtures/photos/*.{jpg,png,webp}', { query: '?inline', import: 'default' });
const hostileLoaders = import.meta.glob('../fixtures/hostile/*.{jpg,png,gif,webp}', { query: '?inline', import: 'default' });
const hostileTextLoaders = import.meta.glob('../fixtures/hostile/*.svg', { query: '?raw', import: 'default' });

const fromDataUrl = (path: string, url: unknown): Uint8Array => {
  const m = /^data:[^,]*;base64,(.*)$/s.exec(String(url));
  if (!m) throw new Error(`${path} was not inlined as base64 (got ${String(url).slice(0, 40)}…)`);
  return (Uint8Array as unknown as { fromBase64(s: string): Uint8Array }).fromBase64(m[1]);
};

async function load(dir: 'photos' | 'hostile', file: string): Promise<Uint8Array | undefined> {
  const path = `../fixtures/${dir}/${file}`;
  if (dir === 'hostile' && hostileTextLoaders[path]) return new TextEncoder().encode(String(await hostileTextLoaders[path]()));
  const loader = (dir === 'photos' ? photoLoaders : hostileLoaders)[path];
  return loader ? fromDataUrl(path, await loader()) : undefined;
}

export interface HostileEntry {
  file: string;
  bytes: number;
  sha256: string;
  content_type: string;
  expected_status: number;
  acceptable_status: number[];
  rule: string;
}

export interface PhotoEntry {
  file: string;
  bytes?: number;
  sha256?: string;
}

/** Every photo of the manifest with its bytes. */
export async function loadPhotos(): Promise<Array<PhotoEntry & { data?: Uint8Array }>> {
  return Promise.all((photoManifest as PhotoEntry[]).map(async (e) => ({ ...e, data: await load('photos', e.file) })));
}

/** Every hostile file of the manifest with its bytes (absent files have no `data`). */
export async function loadHostile(): Promise<Array<HostileEntry & { data?: Uint8Array }>> {
  return Promise.all((hostileManifest as HostileEntry[]).map(async (e) => ({ ...e, data: await load('hostile', e.file) })));
}

const cache = new Map<string, Uint8Array>();

/** Loads photos for `photo()`; call at the top level of a test file. */
export async function preloadPhotos(names: string[]): Promise<void> {
  for (const name of names) {
    const data = await load('photos', name);
    if (!data) throw new Error(`no photo ${name}`);
    cache.set(name, data);
  }
}

export function photo(name: string): Uint8Array {
  const p = cache.get(name);
  if (!p) throw new Error(`photo ${name} is not loaded: add it to this file's preloadPhotos()`);
  return p;
}

export async function sha256Hex(b: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>));
  return Array.from(d, (x) => x.toString(16).padStart(2, '0')).join('');
}

export const BASE = 'http://ghostnet.test';

export function post(path: string, body: BodyInit | null, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, { method: 'POST', body, headers });
}

export function classifyBytes(bytes: Uint8Array, query = '', contentType = 'application/octet-stream'): Promise<Response> {
  return post(`/v1/classify${query}`, bytes as Uint8Array<ArrayBuffer>, { 'Content-Type': contentType });
}

/** Calls the same worker module SELF serves, with some bindings overridden (e.g. an API_KEY secret). */
export async function fetchWithEnv(req: Request, overrides: Partial<Env>): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(req, { ...(env as Env), ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error?: { code: string; message: string } };
  if (!body.error || typeof body.error.code !== 'string' || typeof body.error.message !== 'string') {
    throw new Error(`not an error body: ${JSON.stringify(body).slice(0, 200)}`);
  }
  return body.error;
}

/** The JSON answer without what differs from run to run: timings and an error's request id. */
export function withoutVolatile(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body, (k, v) => (k === 'timing' || k === 'request_id' ? undefined : v)));
}
