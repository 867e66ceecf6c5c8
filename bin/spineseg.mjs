#!/usr/bin/env node
// The `spineseg` command: runs the TypeScript sources through tsx, so no build step stands between
// a clone and a run. The CommonJS hook lets the benchmarks require tfjs-core's extension-less ES modules.
import { register } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

register();
registerCjs();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
