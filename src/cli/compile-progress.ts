// The "compiling N kernels" line of train and predict: a bar on stderr while the pipelines a run will use are
// precompiled (src/app/warmup.ts); on a non-terminal stderr (logs, CI) one line when it is done.
import cliProgress from 'cli-progress';
import { warmUpPipelines, type PipelineWarmup } from '../app/warmup.ts';

export async function compileWithProgress(run: string): Promise<PipelineWarmup> {
  let bar: cliProgress.SingleBar | null = null;
  const onProgress = (done: number, total: number) => {
    if (total === 0 || !process.stderr.isTTY) return;
    if (!bar) {
      bar = new cliProgress.SingleBar({ format: `compiling ${total} kernels |{bar}| {value}/{total}`, hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
      bar.start(total, done);
    } else bar.update(done);
  };
  const warm = await warmUpPipelines(run, onProgress);
  if (bar) (bar as cliProgress.SingleBar).stop();
  else if (warm.compiled > 0) console.error(`compiling ${warm.compiled} kernels: ${warm.seconds.toFixed(1)} s`);
  return warm;
}
