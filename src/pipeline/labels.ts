/** SPIDER label codes and PNG grey levels mapped to the four training classes. */
import { PipelineError } from './errors.ts';

/** Short class names (report keys, file fields). */
export const CLASS_NAMES = ['background', 'vertebra', 'canal', 'disc'] as const;
/** Class names for people: tables, plots, checkpoints, the web app. */
export const CLASS_DISPLAY_NAMES = ['background', 'vertebrae', 'spinal canal', 'intervertebral discs'] as const;
export const NUM_CLASSES = 4;

/** Grey level of each class in the shared PNG masks (index = class). */
export const CLASS_TO_GREY: readonly number[] = [0, 76, 150, 29];

export type UnknownLabelPolicy = 'error' | 'background';

export interface LabelMapOptions {
  unknownLabels?: UnknownLabelPolicy;
  /** Receives one message per distinct unknown value when unknownLabels is 'background'. */
  warn?: (message: string) => void;
}

/** Class of one SPIDER code, or -1 when the code is not a SPIDER label. */
export function spiderLabelClass(code: number): number {
  if (code === 0) return 0;
  if (Number.isInteger(code)) {
    if ((code >= 1 && code <= 25) || (code >= 101 && code <= 125)) return 1;
    if (code === 100) return 2;
    if (code >= 201 && code <= 225) return 3;
  }
  return -1;
}

/** Class of one PNG mask grey level, or -1. */
export function greyLevelClass(grey: number): number {
  return CLASS_TO_GREY.indexOf(grey);
}

function mapWith(
  values: ArrayLike<number>,
  file: string,
  classOf: (v: number) => number,
  what: string,
  options: LabelMapOptions,
): Uint8Array {
  const out = new Uint8Array(values.length);
  const cache = new Map<number, number>();
  const unknown = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let c = cache.get(v);
    if (c === undefined) {
      c = classOf(v);
      cache.set(v, c);
    }
    if (c < 0) {
      if ((options.unknownLabels ?? 'error') === 'error') {
        throw new PipelineError(`${file}: unknown ${what} ${v} at voxel ${i} (use --unknown-labels background to map it to 0)`, {
          file,
          field: what,
          value: v,
        });
      }
      unknown.set(v, (unknown.get(v) ?? 0) + 1);
      c = 0;
    }
    out[i] = c;
  }
  for (const [v, n] of unknown) options.warn?.(`${file}: unknown ${what} ${v} in ${n} voxels mapped to background`);
  return out;
}

/** SPIDER codes (1-25, 101-125 vertebra; 100 canal; 201-225 disc; 0 background) to classes 0-3. */
export function mapSpiderLabels(codes: ArrayLike<number>, file: string, options: LabelMapOptions = {}): Uint8Array {
  return mapWith(codes, file, spiderLabelClass, 'label', options);
}

/** PNG mask greys 0/76/150/29 to classes 0/1/2/3. */
export function mapGreyLevels(greys: ArrayLike<number>, file: string, options: LabelMapOptions = {}): Uint8Array {
  return mapWith(greys, file, greyLevelClass, 'mask grey level', options);
}

/** Classes 0-3 to PNG mask greys, for writing masks the shared PNG set's way. */
export function classesToGreyLevels(classes: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(classes.length);
  for (let i = 0; i < classes.length; i++) {
    const g = CLASS_TO_GREY[classes[i]!];
    if (g === undefined) throw new PipelineError(`class ${classes[i]} at pixel ${i} is not 0-3`, { field: 'class', value: classes[i] });
    out[i] = g;
  }
  return out;
}
