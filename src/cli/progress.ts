// The terminal progress bar of a training run (train, demo): draws the app layer's TrainProgress on stderr
// when it is a terminal; nothing otherwise (logs, CI).
import cliProgress from 'cli-progress';
import type { TrainProgress } from '../app/session.ts';

export function terminalTrainProgress(): TrainProgress | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar({ format: 'epoch {epoch} |{bar}| {value}/{total} steps | loss {loss} | val mIoU {miou} | ETA {eta_formatted}', hideCursor: true, etaBuffer: 20, stream: process.stderr }, cliProgress.Presets.shades_classic);
  let running = false;
  return {
    step: ({ epoch, stepInEpoch, stepsInEpoch, loss, valMeanIoU }) => {
      const fields = { epoch, loss: loss.toFixed(4), miou: valMeanIoU === null ? 'n/a' : valMeanIoU.toFixed(3) };
      if (!running || stepInEpoch === 1) {
        bar.start(stepsInEpoch, stepInEpoch, fields);
        running = true;
      } else bar.update(stepInEpoch, fields);
    },
    endEpoch: () => {
      if (running) bar.stop();
      running = false;
    },
  };
}
