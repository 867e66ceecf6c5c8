// SPIDER's level codes and their names: the one table a level label map, the levels files, the page and a future
// DICOM SEG writer (one segment per level) all read. SPIDER numbers vertebrae from the bottom (L5 = 1, L4 = 2, ...;
// partly visible 101-125), the canal is 100, and a disc takes the number of the vertebra above it (L5/S1 = 201,
// L4/L5 = 202, ...). The sacrum is not labelled. Codes 6 and up are named T12, T11, ... as for a spine with five
// lumbar vertebrae; a different count is flagged by the labeller (src/app/levels.ts), not renamed.

export const CANAL_CODE = 100;
/** Highest vertebra number SPIDER's codes allow (1-25, 101-125, 201-225). */
export const MAX_LEVEL = 25;

export type LevelKind = 'vertebra' | 'disc' | 'canal';

/** Name of vertebra number k from the bottom: 1 -> L5 ... 5 -> L1, 6 -> T12 ... 17 -> T1, 18 -> C7 ... */
export function vertebraName(k: number): string {
  if (!Number.isInteger(k) || k < 1 || k > MAX_LEVEL) throw new Error(`vertebra number ${k} is not 1-${MAX_LEVEL}`);
  if (k <= 5) return `L${6 - k}`;
  if (k <= 17) return `T${18 - k}`;
  return `C${25 - k}`;
}

/** The vertebra number a code refers to (1-25), its kind, and whether it is partly visible; null for 0 and unknown codes. */
export function parseLevelCode(code: number): { kind: LevelKind; number: number; partial: boolean } | null {
  if (code === CANAL_CODE) return { kind: 'canal', number: 0, partial: false };
  if (!Number.isInteger(code)) return null;
  if (code >= 1 && code <= MAX_LEVEL) return { kind: 'vertebra', number: code, partial: false };
  if (code >= 101 && code <= 100 + MAX_LEVEL) return { kind: 'vertebra', number: code - 100, partial: true };
  if (code >= 201 && code <= 200 + MAX_LEVEL) return { kind: 'disc', number: code - 200, partial: false };
  return null;
}

/** Short name of a level: "L4", "L4/L5", "L5/S1", "canal". */
export function levelShortName(code: number): string {
  const p = parseLevelCode(code);
  if (!p) throw new Error(`label code ${code} is not a SPIDER level code (1-25, 100, 101-125, 201-225)`);
  if (p.kind === 'canal') return 'canal';
  if (p.kind === 'vertebra') return vertebraName(p.number);
  return `${vertebraName(p.number)}/${p.number === 1 ? 'S1' : vertebraName(p.number - 1)}`;
}

/** Full name, as a DICOM SEG segment label would read: "L4 vertebra", "L4/L5 intervertebral disc", "spinal canal". */
export function levelName(code: number): string {
  const p = parseLevelCode(code);
  if (!p) throw new Error(`label code ${code} is not a SPIDER level code (1-25, 100, 101-125, 201-225)`);
  if (p.kind === 'canal') return 'spinal canal';
  if (p.kind === 'vertebra') return `${levelShortName(code)} vertebra${p.partial ? ' (partly visible)' : ''}`;
  return `${levelShortName(code)} intervertebral disc`;
}

export interface LevelCodeEntry {
  code: number;
  name: string;
  shortName: string;
  kind: LevelKind;
  /** the 3-class map's class of this code: 1 vertebra, 2 canal, 3 disc */
  semanticClass: 1 | 2 | 3;
}

/** Every SPIDER level code with its names, in code order: 1-25, 100, 101-125, 201-225. */
export const LEVEL_CODES: readonly LevelCodeEntry[] = [
  ...Array.from({ length: MAX_LEVEL }, (_, i) => i + 1),
  CANAL_CODE,
  ...Array.from({ length: MAX_LEVEL }, (_, i) => 101 + i),
  ...Array.from({ length: MAX_LEVEL }, (_, i) => 201 + i),
].map((code) => {
  const kind = parseLevelCode(code)!.kind;
  return { code, name: levelName(code), shortName: levelShortName(code), kind, semanticClass: kind === 'vertebra' ? 1 : kind === 'canal' ? 2 : 3 };
});
