// `spineseg doctor`: what WebGPU adapter the engine runs on, its features and the limits it relies on.
import type { Command } from 'commander';
import { initGpu, ENGINE_LIMITS } from '../runtime/gpu.ts';
import { registry } from '../kernels/runner.ts';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('print the WebGPU adapter, its features and the limits the engine relies on')
    .option('--json', 'print the same as JSON')
    .action(async (opts: { json?: boolean }) => {
      const g = await initGpu();
      const a = g.adapter;
      const m = (await import('../app/machine.ts')).machineInfo(a);
      if (opts.json) {
        console.log(JSON.stringify({ adapter: { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description, backend: a.backend }, machine: m, features: a.features, limits: a.limits }, null, 2));
        return;
      }
      const rows: [string, string][] = [
        ['CPU', `${m.cpu} (${m.cores} cores)`],
        ['vector width', m.vectorBits ? `${m.vectorBits} bits (the adapter's device name)` : 'not named by the adapter'],
        ['versions', `Node ${m.node}, ${m.dawn} (Dawn)${m.mesa ? `, Mesa ${m.mesa}` : ''}`],
        ['vendor', a.vendor || '-'],
        ['architecture', a.architecture || '-'],
        ['device', a.device || '-'],
        ['description', a.description || '-'],
        ['backend', a.backend],
        ['features', a.features.join(', ') || '(none)'],
        ...ENGINE_LIMITS.map((l) => [l, String(a.limits[l])] as [string, string]),
      ];
      const w = Math.max(...rows.map((r) => r[0].length));
      for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
      await import('../kernels/all.ts');
      console.log(`${'kernels'.padEnd(w)}  ${registry.size} registered`);
      const { nodeTuneStore } = await import('../app/tune-store-node.ts');
      const { adapterKey, TUNE_VERSION } = await import('../kernels/autotune.ts');
      const key = adapterKey(a);
      const cache = await nodeTuneStore.load(key).catch((e: Error) => e);
      const stale = cache && !(cache instanceof Error) && cache.version !== TUNE_VERSION ? `; version ${cache.version}, older than this engine's ${TUNE_VERSION}: ignored, rerun \`spineseg tune\`` : '';
      const tune = cache instanceof Error ? `unreadable: ${cache.message}` : cache ? `${nodeTuneStore.where(key)} (${Object.keys(cache.choices).length} shape/pass choices, ${cache.date}${stale})` : `none for this adapter (\`spineseg tune\` writes ${nodeTuneStore.where(key)})`;
      console.log(`${'tune cache'.padEnd(w)}  ${tune}`);
      const { fusedEpilogues } = await import('../kernels/epilogue.ts');
      console.log(`${'fused epilogues'.padEnd(w)}  ${fusedEpilogues() ? 'on (SPINESEG_FUSE=0 turns them off)' : 'off (SPINESEG_FUSE=0)'}`);
    });
}
