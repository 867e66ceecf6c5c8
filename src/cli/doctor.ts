// `spineseg doctor`: what WebGPU adapter the engine runs on, its features and the limits it relies on.
import type { Command } from 'commander';
import { initGpu, ENGINE_LIMITS } from '../runtime/gpu.ts';
import { registry } from '../kernels/runner.ts';
import { subgroupGemm, subgroupTwinsUnavailable } from '../kernels/winograd.ts';
import { settingRows, type SettingRow } from '../runtime/settings.ts';

/** The settings table: name, value, where the value came from and the variable that sets it (src/runtime/settings.ts). */
export function settingsTable(rows: SettingRow[] = settingRows()): string[] {
  const wn = Math.max(...rows.map((r) => r.name.length));
  const wv = Math.max(...rows.map((r) => r.value.length));
  const ws = Math.max(...rows.map((r) => r.source.length));
  return rows.map((r) => `  ${r.name.padEnd(wn)}  ${r.value.padEnd(wv)}  ${r.source.padEnd(ws)}  ${r.env || '-'}`);
}

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
        console.log(JSON.stringify({ adapter: { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description, backend: a.backend, subgroupMinSize: a.subgroupMinSize ?? null }, machine: m, features: a.features, limits: a.limits, subgroupKernels: subgroupGemm(), settings: settingRows() }, null, 2));
        return;
      }
      const rows: [string, string][] = [
        ['CPU', `${m.cpu} (${m.cores} cores)`],
        ['CPU id', m.cpuId ?? 'not readable (no /proc/cpuinfo)'],
        ['lavapipe threads', m.lavapipeThreads ?? "lavapipe's default (one per core)"],
        ['vector width', m.vectorBits ? `${m.vectorBits} bits (the adapter's device name)` : 'not named by the adapter'],
        ['versions', `Node ${m.node}, ${m.dawn} (Dawn)${m.mesa ? `, Mesa ${m.mesa}` : ''}`],
        ['vendor', a.vendor || '-'],
        ['architecture', a.architecture || '-'],
        ['device', a.device || '-'],
        ['description', a.description || '-'],
        ['backend', a.backend],
        ['features', a.features.join(', ') || '(none)'],
        // the register-tile kernels' subgroup twins (src/kernels/winograd.ts subgroupGemm)
        ['subgroup kernels', `${subgroupGemm() ? 'on' : 'off'} (${subgroupTwinsUnavailable() ?? `subgroups of ${a.subgroupMinSize} or more invocations`}; SPINESEG_SUBGROUP_GEMM)`],
        ...ENGINE_LIMITS.map((l) => [l, String(a.limits[l])] as [string, string]),
      ];
      const w = Math.max(...rows.map((r) => r[0].length));
      for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
      await import('../kernels/all.ts');
      console.log(`${'kernels'.padEnd(w)}  ${registry.size} registered`);
      const { nodeTuneStore, loadNodeTuning } = await import('../app/tune-store-node.ts');
      const { adapterKey, TUNE_VERSION } = await import('../kernels/autotune.ts');
      const key = adapterKey(a);
      const cache = await nodeTuneStore.load(key).catch((e: Error) => e);
      const stale = cache && !(cache instanceof Error) && cache.version !== TUNE_VERSION ? `; version ${cache.version}, older than this engine's ${TUNE_VERSION}: ignored, rerun \`spineseg tune\`` : '';
      const tune = cache instanceof Error ? `unreadable: ${cache.message}` : cache ? `${nodeTuneStore.where(key)} (${Object.keys(cache.choices).length} shape/pass choices, ${cache.date}${stale})` : `none for this adapter (\`spineseg tune\` writes ${nodeTuneStore.where(key)})`;
      console.log(`${'tune cache'.padEnd(w)}  ${tune}`);
      // after the tune cache is read, so convChoices shows its source; every setting, its value, source and variable
      await loadNodeTuning().catch(() => null);
      console.log(`settings (value, from, variable):`);
      for (const line of settingsTable()) console.log(line);
    });
}
