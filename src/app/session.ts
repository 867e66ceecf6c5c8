// A training run on disk (Node): data loading and the patient-wise split, the model, the loop, and every
// file a run leaves: runs/<name>/{checkpoint-best, checkpoint-last, history.json, curve-*.png}.
// Used by `spineseg train` and `spineseg demo`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initGpu, adapterName } from '../runtime/gpu.ts';
import { Adam, type AdamState } from '../graph/optim.ts';
import { loadSliceDataset, patientSplit3, type Sample } from '../pipeline/dataset.ts';
import { UNet, makeConfig, type UNetConfig } from '../model/unet.ts';
import { train, type TrainOptions, type TrainState, type EpochRecord } from '../model/train.ts';
import { encodeSafetensors, decodeSafetensors, type NamedArray } from '../model/safetensors.ts';
import { writeDirAtomic, writeFileAtomic, resolveCheckpointDir, readJsonFile, readValidatedCheckpoint, readValidatedOptimizer, memoryBudgetBytes } from '../model/checkpoint.ts';
import { modelFitProblem } from '../model/checkpoint-validate.ts';
import { modelToSafetensors, loadParams } from '../model/weights.ts';
import { learningCurvePngs } from './plots.ts';
import { newRunConfig, patientsOf, type RunConfigOf } from './training-setup.ts';
import { acquireRunLock, stopOnSignals, type StopSignal } from '../app/run-lock.ts';
import { explainTrainingFailure, stoppedAfter, injectDeviceLoss, removeIfEmpty } from '../app/run-faults.ts';

export interface TrainRunOptions extends TrainOptions {
  /** slice folder: images/ and masks/ (the shared PNG set, data/sample or `spineseg prepare` output) */
  data: string;
  width: number;
  height: number;
  widthMult: number;
  /** BatchNorm momentum (Keras 0.99) */
  bnMomentum?: number;
  valFraction: number;
  /** fraction of patients held out as test patients (never used by training, early stopping or checkpoint choice); default 0 */
  testFraction?: number;
  /** patient-wise cross-validation over the non-test patients: fold k of n is the validation set */
  fold?: { k: number; n: number };
  maxSlicesPerPatient?: number;
  /** explicit patient lists (e.g. from patientSplit3); test patients are never loaded. Overrides valFraction */
  split?: { train: string[]; val: string[]; test: string[] };
  out: string;
  resume: boolean;
}

/** Step-by-step progress of a training run, for a front end to draw (the CLI: a terminal bar); the app layer draws nothing. */
export interface TrainProgress {
  step(p: { epoch: number; stepInEpoch: number; stepsInEpoch: number; loss: number; valMeanIoU: number | null }): void;
  /** the epoch's steps are done (its validation line follows in the log) */
  endEpoch(): void;
}

export type RunConfig = RunConfigOf<Omit<TrainRunOptions, 'resume'>>;

export interface LoadedData {
  train: Sample[];
  val: Sample[];
  /** test patients' slices: loaded for reports, never seen by training */
  test: Sample[];
}

export function loadSplit(o: Pick<TrainRunOptions, 'data' | 'width' | 'height' | 'valFraction' | 'testFraction' | 'fold' | 'seed' | 'maxSlicesPerPatient' | 'split'>): LoadedData {
  // explicit lists (the demo's): test patients are not even loaded
  const patients = o.split ? [...o.split.train, ...o.split.val] : undefined;
  const samples = loadSliceDataset(o.data, { width: o.width, height: o.height, maxSlicesPerPatient: o.maxSlicesPerPatient, patients });
  if (samples.length === 0) throw new Error(`${o.data}: no slices found (expected images/ and masks/ with <patient>_<sequence>_slice<n>.png)`);
  if (o.split) {
    const val = new Set(o.split.val);
    return { train: samples.filter((s) => !val.has(s.patient)), val: samples.filter((s) => val.has(s.patient)), test: [] };
  }
  return patientSplit3(samples, { testFraction: o.testFraction ?? 0, valFraction: o.valFraction, seed: o.seed, fold: o.fold });
}

export async function saveCheckpoint(dir: string, model: UNet, config: RunConfig, extra: { optimizer?: Adam; state?: TrainState } = {}): Promise<void> {
  const files: Record<string, Uint8Array | string> = {
    'config.json': JSON.stringify(config, null, 2),
    'model.safetensors': await modelToSafetensors(model),
  };
  if (extra.optimizer) {
    const st = await extra.optimizer.getState();
    const arrays: NamedArray[] = [];
    extra.optimizer.params.forEach((p, i) => {
      arrays.push({ name: `m.${p.name}`, shape: [...p.shape], data: st.m[i] }, { name: `v.${p.name}`, shape: [...p.shape], data: st.v[i] });
    });
    if (st.schedule) arrays.push({ name: 'schedule', shape: [st.schedule.length], data: st.schedule });
    files['optimizer.safetensors'] = encodeSafetensors(arrays, { step: String(st.step) });
  }
  if (extra.state) files['state.json'] = JSON.stringify(extra.state, null, 2);
  writeDirAtomic(dir, files);
}

/** Loads a checkpoint directory's model (and, when present, optimizer and training state). */
export async function loadCheckpoint(dirIn: string, withOptimizer = false): Promise<{ model: UNet; config: RunConfig; optimizer?: Adam; state?: TrainState }> {
  const g = await initGpu();
  const dir = resolveCheckpointDir(dirIn);
  // everything is checked before the model allocates a buffer
  const checked = readValidatedCheckpoint(dir, g.limits);
  const config = checked.configJson as unknown as RunConfig;
  const model = new UNet(makeConfig(checked.model));
  loadParams(model, checked.weights, join(dir, 'model.safetensors'));
  if (!withOptimizer) return { model, config };
  const optPath = join(dir, 'optimizer.safetensors');
  const { step, arrays } = readValidatedOptimizer(dir, model.trainable().map((p) => ({ name: p.name!, shape: p.shape })));
  const optimizer = new Adam(model.trainable(), { lr: config.training.lr });
  const st: AdamState = { step, m: [], v: [], schedule: arrays.get('schedule')?.data };
  for (const p of optimizer.params) {
    const m = arrays.get(`m.${p.name}`);
    const v = arrays.get(`v.${p.name}`);
    if (!m || !v) throw new Error(`${optPath}: moments of ${p.name} missing`);
    st.m.push(m.data);
    st.v.push(v.data);
  }
  optimizer.setState(st);
  const state = readJsonFile<TrainState>(join(dir, 'state.json'));
  return { model, config, optimizer, state };
}

function formatEpoch(r: EpochRecord): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  return `epoch ${r.epoch}: train loss ${f(r.trainLoss)}, val loss ${f(r.valLoss)}, val mIoU ${f(r.valMeanIoU)}, Dice vert/canal/disc ${r.valDice.slice(1).map(f).join('/')} (${r.seconds.toFixed(1)} s)`;
}

export interface TrainRunResult {
  model: UNet;
  data: LoadedData;
  state: TrainState;
  config: RunConfig;
  seconds: number;
}

/**
 * One training run in `o.out`, holding its lock: a second live process is refused, SIGINT/SIGTERM stop after the
 * current step, and a lost device or a failed checkpoint write ends with what is on disk and how to resume.
 */
export async function runTraining(o: TrainRunOptions, log: (line: string) => void = console.log, progress?: TrainProgress): Promise<TrainRunResult> {
  const outExisted = existsSync(o.out);
  const lock = acquireRunLock(o.out);
  if (lock.tookOverFrom !== null) log(`took over the stale lock of process ${lock.tookOverFrom} (no longer running) in ${o.out}`);
  const stop = stopOnSignals((signal) => log(`${signal}: stopping after the current step (again to stop at once)`));
  try {
    return await runTrainingLocked(o, log, stop, progress);
  } catch (e) {
    throw await explainTrainingFailure(e, o.out, stop);
  } finally {
    stop.dispose();
    lock.release();
    // a run refused before its first file leaves no empty folder behind
    if (!outExisted) removeIfEmpty(o.out);
  }
}

async function runTrainingLocked(o: TrainRunOptions, log: (line: string) => void, stop: StopSignal, progress: TrainProgress | undefined): Promise<TrainRunResult> {
  const g = await initGpu();
  const lastDir = join(o.out, 'checkpoint-last');
  const hasLast = existsSync(join(lastDir, 'config.json')) || existsSync(join(`${lastDir}.prev`, 'config.json'));
  if (hasLast && !o.resume) throw new Error(`${o.out} already holds a training run; pass --resume to continue it or choose another --out`);
  if (o.resume && !hasLast) throw new Error(`${o.out}: nothing to resume (no checkpoint-last)`);

  let model: UNet;
  let config: RunConfig;
  let resume: { state: TrainState; optimizer: Adam } | undefined;
  let opts: TrainRunOptions = o;
  if (o.resume) {
    const ck = await loadCheckpoint(lastDir, true);
    model = ck.model;
    config = ck.config;
    // the run's own settings win over the command line, except how many epochs to go to
    opts = { ...config.training, epochs: o.epochs, out: o.out, resume: true };
    resume = { state: ck.state!, optimizer: ck.optimizer! };
    log(`resuming ${o.out} after epoch ${ck.state!.epoch} (step ${ck.state!.step})`);
  } else {
    const mc: UNetConfig = makeConfig({ width: o.width, height: o.height, widthMult: o.widthMult, seed: o.seed, ...(o.bnMomentum !== undefined ? { bnMomentum: o.bnMomentum } : {}) });
    // checked before the model allocates anything
    const tooBig = modelFitProblem(mc, { maxStorageBufferBindingSize: g.limits.maxStorageBufferBindingSize, maxBufferSize: g.limits.maxBufferSize, memoryBytes: memoryBudgetBytes(), batch: o.batchSize }, true);
    if (tooBig) throw new Error(`--size ${o.width}x${o.height} --width-mult ${o.widthMult} --batch ${o.batchSize}: ${tooBig}`);
    model = new UNet(mc);
    const { resume: _r, ...training } = o;
    config = newRunConfig(mc, training);
  }
  if (opts.lrSchedule === 'cosine' && (opts.warmupEpochs ?? 0) >= opts.epochs) throw new Error(`--warmup-epochs '${opts.warmupEpochs}' must be below --epochs (${opts.epochs})`);
  const data = loadSplit(opts);
  const split = { train: patientsOf(data.train), val: patientsOf(data.val), test: patientsOf(data.test) };
  if (opts.split) split.test = [...opts.split.test].sort();
  if (o.resume) {
    for (const side of ['train', 'val', 'test'] as const) {
      if (split[side].join() !== (config.split[side] ?? []).join()) {
        throw new Error(`${join(lastDir, 'config.json')}: split.${side} [${(config.split[side] ?? []).join(', ')}] is not what ${opts.data} gives now ([${split[side].join(', ')}])`);
      }
    }
  }
  config.split = split;
  log(`training on ${data.train.length} slices of ${split.train.length} patients, validating on ${data.val.length} slices of ${split.val.length} patients (${split.val.join(', ')}), ${data.test.length} slices of ${split.test.length} test patients held out (${split.test.join(', ') || 'none'})`);
  log(`augmentation ${opts.augment?.level ?? 'none'}, learning rate ${opts.lr} ${opts.lrSchedule ?? 'constant'}${opts.lrSchedule === 'cosine' ? ` (warm-up ${opts.warmupEpochs ?? 0} epochs)` : ''} over ${opts.epochs} epochs`);
  log(`model ${model.config.width}x${model.config.height}, width x${model.config.widthMult}, batch ${opts.batchSize}, adapter ${adapterName(g.adapter)}`);

  let lastMiou: number | null = null;
  const t0 = performance.now();
  const state = await train(model, data.train, data.val, opts, {
    onStep: ({ epoch, step, stepInEpoch, stepsInEpoch, loss }) => {
      injectDeviceLoss(step);
      if (stop.requested) {
        progress?.endEpoch();
        throw stoppedAfter(stop.requested, `step ${step} (epoch ${epoch}, step ${stepInEpoch}/${stepsInEpoch})`, o.out);
      }
      progress?.step({ epoch, stepInEpoch, stepsInEpoch, loss, valMeanIoU: lastMiou });
    },
    onEpoch: async (record, st, improved, optimizer) => {
      progress?.endEpoch();
      lastMiou = record.valMeanIoU;
      log(formatEpoch(record) + (improved ? ' *best*' : ''));
      if (improved) await saveCheckpoint(join(o.out, 'checkpoint-best'), model, config);
      await saveCheckpoint(lastDir, model, config, { optimizer, state: st });
      writeFileAtomic(join(o.out, 'history.json'), JSON.stringify(st.history, null, 2));
      for (const [name, png] of Object.entries(await learningCurvePngs(st.history))) writeFileAtomic(join(o.out, name), png);
      if (stop.requested) throw stoppedAfter(stop.requested, `epoch ${record.epoch} and its checkpoint`, o.out);
    },
  }, resume);
  const seconds = (performance.now() - t0) / 1000;
  if (state.epoch - state.bestEpoch >= opts.patience) log(`early stopping: no better validation mean IoU for ${opts.patience} epochs (best ${state.bestMeanIoU.toFixed(3)} at epoch ${state.bestEpoch})`);
  return { model, data, state, config, seconds };
}
