#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the repository needs no separate build for its tools.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../tools/cli.ts');
process.exitCode = await main(process.argv.slice(2));
