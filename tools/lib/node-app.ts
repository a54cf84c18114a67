/**
 * The Worker's app in this Node process, as worker/index.ts builds it in workerd: the Node decoders,
 * the bundled models, the SIMD128 engine (Node 20's relaxed SIMD is wrong, so never the relaxed
 * build), and an ExecutionContext stand-in for `app.fetch(request, env, ctx)`. Used by the tools
 * that run the app outside workerd (bench:request --node, loadtest's in-process.ts).
 */
import { readFileSync } from 'node:fs';
import type { Hono } from 'hono';
import type { AppEnv } from '../../worker/env.ts';

export interface NodeAppModel {
  name: string;
  /** The model file (.gnv2). */
  path: string;
  default?: boolean;
}

export async function nodeApp(models: NodeAppModel[], engineWasm: string): Promise<{ app: Hono<AppEnv>; ctx: ExecutionContext }> {
  const { initNodeDecoders } = await import('../../worker/image/decoders-node.ts');
  const { createApp } = await import('../../worker/app.ts');
  const { ModelRegistry } = await import('../../worker/model/registry.ts');
  await initNodeDecoders();
  const files = models.map((m) => ({ name: m.name, data: new Uint8Array(readFileSync(m.path)), default: m.default }));
  const engines = { simd128: new WebAssembly.Module(readFileSync(engineWasm)), relaxed: null };
  const app = createApp(new ModelRegistry(files, engines as never, { hasRelaxedSimd: () => false }));
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  return { app, ctx };
}
