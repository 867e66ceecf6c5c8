// `spineseg bench train`: full training steps (forward, fused loss, backward, Adam) of the paper's U-Net,
// spineseg against the same model in tfjs-backend-webgpu, in one process on one adapter.
// The benchmark itself is bench/train-core.ts (the web app's Benchmark tab runs the same code); this file
// only brings tfjs up on Node's Dawn instance and writes the JSON.
import { writeFileSync } from 'node:fs';
import { runTrainBench, type TrainBenchOptions, type TrainBenchResult } from './train-core.ts';

export type { TrainBenchOptions, StepTiming, TrainBenchResult } from './train-core.ts';

export async function benchTrain(o: TrainBenchOptions, log: (s: string) => void = console.log): Promise<TrainBenchResult> {
  const result = await runTrainBench(
    o,
    {
      async loadTf() {
        const { loadTfjsWebgpu } = await import('./tfjs-baseline.ts');
        return loadTfjsWebgpu();
      },
    },
    log,
  );
  if (o.json) writeFileSync(o.json, JSON.stringify(result, null, 2));
  return result;
}
