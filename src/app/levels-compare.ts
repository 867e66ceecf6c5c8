// Two numberings of one slice or volume compared level by level (the truth's and a prediction's): for each level of
// the truth, whether the other's level with the same number (the k-th disc or vertebra from the bottom, complete or
// cut) overlaps it and its Dice, and the differences of their heights and canal diameters. Pure (no Node).
import type { LevelLabelling } from './levels.ts';
import type { LevelMeasurements } from './measurements.ts';

export interface LevelComparison {
  code: number;
  kind: 'disc' | 'vertebra';
  /** k-th from the bottom */
  k: number;
  overlaps: boolean;
  dice: number;
  /** |truth - other| of the anterior, middle and posterior heights (discs with both measured), else [] */
  heightDifferences: number[];
  /** |truth - other| canal diameter at this level, or null */
  canalDifference: number | null;
}

export function compareLevels(truth: LevelLabelling, truthMeas: LevelMeasurements, other: LevelLabelling, otherMeas: LevelMeasurements): LevelComparison[] {
  const out: LevelComparison[] = [];
  for (const l of truth.levels) {
    if (l.kind === 'canal') continue;
    const k = l.code % 100;
    const kind = l.kind;
    const same = (c: number) => c !== 100 && c % 100 === k && (kind === 'disc') === c > 200;
    let inter = 0;
    let nt = 0;
    let no = 0;
    for (let i = 0; i < truth.codes.length; i++) {
      const a = truth.codes[i] === l.code;
      const b = same(other.codes[i]!);
      if (a) nt++;
      if (b) no++;
      if (a && b) inter++;
    }
    const a = truthMeas.levels.find((m) => m.code === l.code);
    const b = otherMeas.levels.find((m) => same(m.code));
    const heightDifferences = kind === 'disc' && a?.heights && b?.heights ? (['anterior', 'middle', 'posterior'] as const).map((h) => Math.abs(a.heights![h] - b.heights![h])) : [];
    const canalDifference = a?.canalDiameter != null && b?.canalDiameter != null ? Math.abs(a.canalDiameter - b.canalDiameter) : null;
    out.push({ code: l.code, kind, k, overlaps: inter > 0, dice: (2 * inter) / (nt + no), heightDifferences, canalDifference });
  }
  return out;
}

export function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
