#!/usr/bin/env node
// The `spineseg` command: runs the TypeScript sources through tsx, so no build step stands between
// a clone and a run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
