// Training in the page: the same UNet, loss, Adam and train loop as `spineseg train` (src/model/train.ts), on
// slices cut from the built-in phantoms (src/pipeline/phantom.ts) or from image/mask pairs the user dropped.
import { extractSagittalSlices, extractPngSlice } from '../../src/pipeline/extract.ts';
import type { TrainingData } from './phantoms.ts';
import { mapGreyLevels } from '../../src/pipeline/labels.ts';
import type { Volume } from '../../src/pipeline/volume.ts';
import { UNet, makeConfig } from '../../src/model/unet.ts';
import { train, type EpochRecord, type Sample, type TrainOptions, type TrainState } from '../../src/model/train.ts';
import { modelToSafetensors } from '../../src/model/weights.ts';
import { patientOfFile } from '../../src/pipeline/split.ts';
import { newRunConfig, splitDropped, type RunConfigOf } from '../../src/app/training-setup.ts';
import { decodeGreyPngBytes, decodeImagePng, readMetaImage, fileBytes } from './files.ts';

/** Image/mask pairs matched by file name (.mha SPIDER-coded masks, or grey-level PNG masks 0/76/150/29). */
export async function droppedData(images: File[], masks: File[], width: number, height: number, o: { valFraction: number; seed: number } = { valFraction: 0.2, seed: 42 }): Promise<TrainingData> {
  const byName = new Map(masks.map((m) => [m.name, m]));
  const pairs = images.map((img) => {
    const mask = byName.get(img.name);
    if (!mask) throw new Error(`${img.name}: no mask with the same file name among the dropped masks (${masks.map((m) => m.name).join(', ') || 'none'})`);
    return { img, mask };
  });
  if (pairs.length === 0) throw new Error('drop image files and their masks (same file names) first');
  const perFile: Sample[][] = [];
  for (const { img, mask } of pairs) {
    if (/\.mha$/i.test(img.name)) {
      const image = await readMetaImage(img.name, await fileBytes(img));
      const maskVol = await readMetaImage(`${mask.name} (mask)`, await fileBytes(mask));
      const { slices } = extractSagittalSlices(image, maskVol, { imageFile: img.name, maskFile: mask.name, width, height });
      perFile.push(slices.map((s, k) => ({ file: `${img.name} slice ${k + 1}`, patient: patientOfFile(img.name), image: s.image, labels: s.labels, width, height, spacing: s.spacing })));
    } else {
      const im = decodeImagePng(img.name, await fileBytes(img));
      const mk = decodeGreyPngBytes(mask.name, await fileBytes(mask));
      const geom = { size: [im.width, im.height, 1] as [number, number, number], spacing: [1, 1, 1] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
      // extractPngSlice scales by 1/255 (8-bit PNG); the intensity is already in [0, 1] at any bit depth
      const imageVol: Volume = { ...geom, data: im.image.map((v) => v * 255) };
      const classVol: Volume<Uint8Array> = { ...geom, size: [mk.width, mk.height, 1], data: mapGreyLevels(mk.data, mask.name) };
      const s = extractPngSlice(imageVol, classVol, { imageFile: img.name, maskFile: mask.name, width, height });
      perFile.push([{ file: img.name, patient: patientOfFile(img.name), image: s.image, labels: s.labels, width, height, spacing: s.spacing }]);
    }
  }
  const all = perFile.flat();
  // whole patients held out, as `spineseg train --val-fraction --seed` does (src/app/training-setup.ts)
  const { train, val, split, note } = splitDropped(all, o);
  return { train, val, split, description: `${pairs.length} dropped image/mask pairs (${note}), ${all.length} slices at ${width}x${height}` };
}

export interface TrainSettings extends TrainOptions {
  width: number;
  height: number;
  widthMult: number;
  /** BatchNorm momentum: 0.9, as the CLI's cpu preset (in-page runs are a few hundred steps, too few for Keras's 0.99) */
  bnMomentum: number;
  valFraction: number;
}

/** What a page-trained checkpoint records of its run, under the same keys as `spineseg train` writes. */
export interface PageTraining extends Omit<TrainSettings, 'augment'> {
  where: 'browser';
  data: string;
  epochsCompleted?: number;
  bestMeanIoU?: number;
  bestEpoch?: number;
}

export class StopTraining extends Error {}

export interface TrainingRun {
  model: UNet;
  config: RunConfigOf<PageTraining>;
  state: TrainState;
}

/** Trains a fresh small U-Net; `shouldStop` is polled after every step. */
export async function trainInPage(
  data: TrainingData,
  s: TrainSettings,
  hooks: { onStep?(info: { epoch: number; step: number; stepInEpoch: number; stepsInEpoch: number; loss: number }): void; onEpoch?(record: EpochRecord, history: EpochRecord[]): void; shouldStop?(): boolean },
): Promise<TrainingRun> {
  const modelConfig = makeConfig({ width: s.width, height: s.height, widthMult: s.widthMult, seed: s.seed, bnMomentum: s.bnMomentum });
  const model = new UNet(modelConfig);
  const { augment: _a, ...settings } = s;
  const config = newRunConfig<PageTraining>(modelConfig, { ...settings, where: 'browser', data: data.description }, data.split);
  let state: TrainState = { epoch: 0, step: 0, bestMeanIoU: -Infinity, bestEpoch: 0, history: [] };
  try {
    state = await train(model, data.train, data.val, s, {
      onStep(info) {
        hooks.onStep?.(info);
        if (hooks.shouldStop?.()) throw new StopTraining('stopped by the user');
      },
      onEpoch(record, st) {
        state = st;
        hooks.onEpoch?.(record, st.history);
      },
    });
  } catch (err) {
    if (!(err instanceof StopTraining)) {
      model.dispose();
      throw err;
    }
  }
  config.training = { ...config.training, epochsCompleted: state.epoch, bestMeanIoU: state.bestMeanIoU, bestEpoch: state.bestEpoch };
  return { model, config, state };
}

/** The checkpoint as the CLI writes it: config.json + model.safetensors. */
export async function checkpointFiles(run: TrainingRun): Promise<{ 'config.json': string; 'model.safetensors': Uint8Array }> {
  return { 'config.json': JSON.stringify(run.config, null, 2), 'model.safetensors': await modelToSafetensors(run.model) };
}
