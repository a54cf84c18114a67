/**
 * globalSetup of the workers project (Node): the image origin (test/helpers/image-origin.ts) on
 * 127.0.0.1, which the workerd tests reach with the Workers fetch (Miniflare lets workerd
 * connect to private addresses). Its port reaches them through `inject('imageOriginPort')`.
 */
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startImageOrigin } from '../helpers/image-origin.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    imageOriginPort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const origin = await startImageOrigin(join(resolve(import.meta.dirname, '../..'), 'test/fixtures/photos'));
  project.provide('imageOriginPort', origin.port);
  return () => origin.close();
}
