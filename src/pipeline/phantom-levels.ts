/**
 * Level phantoms: synthetic lumbar volumes whose level codes and measurements are known exactly, to check the level
 * labelling and the measurements (src/app/levels.ts, src/app/measurements.ts) against analytic values.
 *
 * The spinal column is a chain of blocks along a centre curve (a straight line, or a circular arc for lordosis,
 * bulging anteriorly): from the bottom the sacrum (bone in the image, unlabelled in the mask as in SPIDER), the
 * L5/S1 disc (201), L5 (1), L4/L5 (202), L4 (2), ... Block boundaries (end-plates) are lines normal to the curve,
 * so on an arc every block is a wedge of an annulus: at front-to-back offset r from the column's centre its height
 * across its own axis is 2 (R + r) tan(dphi / 2) — taller in front, as lordotic discs are. The canal is a band of
 * constant diameter behind the column (an annulus concentric with it), elliptic across. Grids can be rotated in
 * the sagittal plane (an oblique direction matrix) and can stop in the middle of the top vertebra (cut by the
 * field of view). Deterministic from a seed (only the image noise uses it).
 */
import { gaussian, seededRandom } from '../util/random.ts';
import { levelName } from './level-codes.ts';
import type { Volume } from './volume.ts';

export type LevelPhantomName = 'straight' | 'lordotic' | 'oblique' | 'cut-top' | 'four-lumbar' | 'six-lumbar';

export interface LevelPhantomSpec {
  /** vertebrae above the sacrum (the count a spine report would give: lumbar, plus any thoracic in view) */
  vertebrae: number;
  /** a disc above the top vertebra, inside the field of view */
  topDisc: boolean;
  /** the field of view ends halfway up the top vertebra */
  cutTop: boolean;
  /** radius (mm) of the column's centre curve; null: straight */
  radiusMm: number | null;
  /** rotation (degrees) of the grid in the sagittal plane: an oblique direction matrix */
  tiltDeg: number;
  /** canal front-to-back diameter (mm) */
  canalMm: number;
}

export const LEVEL_PHANTOMS: Record<LevelPhantomName, LevelPhantomSpec> = {
  straight: { vertebrae: 6, topDisc: true, cutTop: false, radiusMm: null, tiltDeg: 0, canalMm: 14 },
  lordotic: { vertebrae: 6, topDisc: true, cutTop: false, radiusMm: 260, tiltDeg: 0, canalMm: 13 },
  oblique: { vertebrae: 6, topDisc: true, cutTop: false, radiusMm: 260, tiltDeg: 20, canalMm: 15 },
  'cut-top': { vertebrae: 6, topDisc: false, cutTop: true, radiusMm: 260, tiltDeg: 0, canalMm: 12 },
  'four-lumbar': { vertebrae: 4, topDisc: true, cutTop: false, radiusMm: 260, tiltDeg: 0, canalMm: 14 },
  'six-lumbar': { vertebrae: 7, topDisc: true, cutTop: false, radiusMm: 260, tiltDeg: 0, canalMm: 14 },
};
export const LEVEL_PHANTOM_NAMES = Object.keys(LEVEL_PHANTOMS) as LevelPhantomName[];

/** Block front-to-back depth, half-widths (left-right) and heights along the centre curve (mm), from the bottom. */
const DEPTH = 36;
const HALF_WIDTH = { vertebra: 20, disc: 17, sacrum: 24, canal: 10 };
const SACRUM_HEIGHT = 40;
const VERTEBRA_HEIGHTS = [28, 27, 27, 26, 26, 25, 24];
const DISC_HEIGHTS = [10, 12, 11, 10, 9, 8, 7, 7];
/** gap between the column's back and the canal (mm) */
const CANAL_GAP = 2;
/** voxel spacing: left-right (slice thickness), anterior-posterior, superior-inferior */
export const LEVEL_PHANTOM_SPACING: [number, number, number] = [3, 0.8, 1];
const SLICES = 15;

export interface LevelPhantomTruth {
  code: number;
  name: string;
  kind: 'vertebra' | 'disc';
  complete: boolean;
  /** heights across the block's own axis at 85 % / 50 % / 15 % of its depth from the back (the measured positions) */
  heights: { anterior: number; middle: number; posterior: number } | null;
  depth: number | null;
  /** area on the mid-sagittal slice (mm²) and volume (mm³) of the analytic block (inside the field of view) */
  midSagittalArea: number | null;
  volume: number | null;
  canalDiameter: number;
  canalWidth: number;
  canalLateralWidth: number;
}

export interface LevelPhantom {
  name: LevelPhantomName;
  spec: LevelPhantomSpec;
  image: Volume<Int16Array>;
  /** SPIDER codes */
  mask: Volume<Uint8Array>;
  levels: LevelPhantomTruth[];
  /** complete vertebrae above the sacrum */
  vertebraCount: number;
  /** flag kinds the labeller must raise (src/app/levels.ts) */
  expectedFlags: string[];
}

interface Block {
  code: number;
  kind: 'vertebra' | 'disc' | 'sacrum';
  s0: number;
  s1: number;
}

/** Generates one level phantom. */
export function generateLevelPhantom(name: LevelPhantomName, seed = 1): LevelPhantom {
  const spec = LEVEL_PHANTOMS[name];
  const random = seededRandom(seed);
  const blocks: Block[] = [{ code: 0, kind: 'sacrum', s0: 0, s1: SACRUM_HEIGHT }];
  let s = SACRUM_HEIGHT;
  for (let k = 1; k <= spec.vertebrae; k++) {
    blocks.push({ code: 200 + k, kind: 'disc', s0: s, s1: (s += DISC_HEIGHTS[k - 1]!) });
    blocks.push({ code: k, kind: 'vertebra', s0: s, s1: (s += VERTEBRA_HEIGHTS[k - 1]!) });
  }
  if (spec.topDisc) blocks.push({ code: 201 + spec.vertebrae, kind: 'disc', s0: s, s1: (s += DISC_HEIGHTS[spec.vertebrae]!) });
  const total = s;
  const R = spec.radiusMm;
  // (a anterior, v superior) mm in the sagittal plane -> (s along the curve, r front-to-back offset)
  const curveCoords = (a: number, v: number): [number, number] => {
    if (R === null) return [v + total / 2, a];
    return [R * Math.atan2(v, a + R) + total / 2, Math.hypot(a + R, v) - R];
  };
  const curvePoint = (sAt: number, r: number): [number, number] => {
    if (R === null) return [r, sAt - total / 2];
    const phi = (sAt - total / 2) / R;
    return [(R + r) * Math.cos(phi) - R, (R + r) * Math.sin(phi)];
  };
  const canalR = -(DEPTH / 2 + CANAL_GAP + spec.canalMm / 2);
  const canalS0 = SACRUM_HEIGHT / 2;
  // field of view: the top edge halfway up the top vertebra when it is cut
  const topBlock = blocks[blocks.length - 1]!;
  const vTop = spec.cutTop ? curvePoint((topBlock.s0 + topBlock.s1) / 2, 0)[1] : Infinity;

  // the grid, rotated by tilt in the sagittal plane: axis j runs posteriorly, axis k superiorly
  const t = (spec.tiltDeg * Math.PI) / 180;
  const ej: [number, number] = [-Math.cos(t), Math.sin(t)]; // (a, v) of +j: posterior, tilted
  const ek: [number, number] = [Math.sin(t), Math.cos(t)];
  let jMin = Infinity, jMax = -Infinity, kMin = Infinity, kMax = -Infinity;
  for (let q = 0; q <= 200; q++) {
    for (const r of [DEPTH / 2, canalR - spec.canalMm / 2]) {
      const [a, v] = curvePoint((q / 200) * total, r);
      const pj = a * ej[0] + v * ej[1];
      const pk = a * ek[0] + v * ek[1];
      jMin = Math.min(jMin, pj); jMax = Math.max(jMax, pj); kMin = Math.min(kMin, pk); kMax = Math.max(kMax, pk);
    }
  }
  const [sLR, sAP, sSI] = LEVEL_PHANTOM_SPACING;
  const margin = 8;
  jMin -= margin; jMax += margin; kMin -= margin;
  kMax = spec.cutTop ? vTop - sSI / 2 : kMax + margin; // cut-top has no tilt: k is v
  const nAP = Math.ceil((jMax - jMin) / sAP) + 1;
  const nSI = Math.ceil((kMax - kMin) / sSI) + 1;
  const nLR = SLICES;
  const codes = new Uint8Array(nLR * nAP * nSI);
  const intensity = new Int16Array(nLR * nAP * nSI);
  const blockAt = (sAt: number) => blocks.find((b) => sAt >= b.s0 && sAt < b.s1);
  for (let k = 0, o = 0; k < nSI; k++)
    for (let j = 0; j < nAP; j++) {
      const pj = jMin + j * sAP;
      const pk = kMin + k * sSI;
      const a = pj * ej[0] + pk * ek[0];
      const v = pj * ej[1] + pk * ek[1];
      const [sc, r] = curveCoords(a, v);
      const block = Math.abs(r) <= DEPTH / 2 ? blockAt(sc) : undefined;
      const canalIn = sc >= canalS0 && sc < total + 40 ? (r - canalR) / (spec.canalMm / 2) : Infinity;
      for (let i = 0; i < nLR; i++, o++) {
        const x = (i - (nLR - 1) / 2) * sLR;
        let code = 0;
        let value = 260 * (1 + 0.1 * Math.sin(a / 9 + v / 13));
        if (block && Math.abs(x) <= HALF_WIDTH[block.kind]) {
          code = block.code;
          value = block.kind === 'disc' ? 900 : 420;
        } else if (canalIn ** 2 + (x / HALF_WIDTH.canal) ** 2 <= 1) {
          code = 100;
          value = 1150;
        }
        codes[o] = code;
        intensity[o] = Math.max(0, Math.round(value + 10 * gaussian(random)));
      }
    }
  // the top vertebra cut by the field of view is partly visible
  const cut = spec.cutTop ? topBlock.code : -1;
  if (cut > 0) for (let o = 0; o < codes.length; o++) if (codes[o] === cut) codes[o] = 100 + cut;
  const direction = [1, 0, 0, 0, Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t)];
  // origin: voxel (0, j=0, k=0) at x = left end, (a, v) = jMin ej + kMin ek, in LPS (y = -a posterior, z = v)
  const a0 = jMin * ej[0] + kMin * ek[0];
  const v0 = jMin * ej[1] + kMin * ek[1];
  const geometry = { size: [nLR, nAP, nSI] as [number, number, number], spacing: [sLR, sAP, sSI] as [number, number, number], origin: [-((nLR - 1) / 2) * sLR, -a0, v0] as [number, number, number], direction };

  // analytic values, in the block's own frame on the mid-sagittal slice (x = 0)
  const slicesWithin = (half: number) => Array.from({ length: nLR }, (_, i) => Math.abs((i - (nLR - 1) / 2) * sLR) <= half).filter(Boolean).length;
  const canalLateral = slicesWithin(HALF_WIDTH.canal) * sLR;
  const heightAt = (b: Block, r: number) => (R === null ? b.s1 - b.s0 : 2 * (R + r) * Math.tan((b.s1 - b.s0) / R / 2));
  const levels: LevelPhantomTruth[] = blocks
    .filter((b) => b.kind !== 'sacrum')
    .map((b) => {
      const complete = b.code !== cut;
      const code = complete ? b.code : 100 + b.code;
      const area = (b.s1 - b.s0) * DEPTH;
      const kind = b.kind as 'vertebra' | 'disc';
      return {
        code,
        name: levelName(code),
        kind,
        complete,
        heights: complete ? { anterior: heightAt(b, DEPTH * (0.85 - 0.5)), middle: heightAt(b, 0), posterior: heightAt(b, DEPTH * (0.15 - 0.5)) } : null,
        depth: complete ? DEPTH : null,
        midSagittalArea: complete ? area : null,
        volume: complete ? area * slicesWithin(HALF_WIDTH[kind]) * sLR : null,
        canalDiameter: spec.canalMm,
        canalWidth: spec.canalMm,
        canalLateralWidth: canalLateral,
      };
    });
  const vertebraCount = levels.filter((l) => l.kind === 'vertebra' && l.complete).length;
  const expectedFlags = [...(cut > 0 ? ['fov-cut'] : []), ...(vertebraCount < 5 || vertebraCount > 6 ? ['unusual-count'] : [])];
  return {
    name,
    spec,
    image: { data: intensity, ...geometry, size: [...geometry.size], spacing: [...geometry.spacing], origin: [...geometry.origin], direction: [...direction] },
    mask: { data: codes, ...geometry },
    levels,
    vertebraCount,
    expectedFlags,
  };
}

/**
 * Writes every level phantom into `dir` (which must not exist): images/<name>.mha, masks/<name>.mha (SPIDER codes),
 * levels.json (the analytic truth: codes, flags, measurements) and overview.csv; built in a temp folder and renamed.
 */
export async function writeLevelPhantoms(dir: string, seed = 1): Promise<LevelPhantomName[]> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { writeImage, writeTextAtomic } = await import('./io.ts');
  const { PipelineError } = await import('./errors.ts');
  if (fs.existsSync(dir)) throw new PipelineError(`${dir}: output folder already exists`, { file: dir, field: 'out' });
  const tmp = path.join(path.dirname(path.resolve(dir)), `.${path.basename(dir)}.tmp-${process.pid}`);
  // a stale temp folder of an earlier run goes; writeImage and writeTextAtomic create the folders they write into
  fs.rmSync(tmp, { recursive: true, force: true });
  const rows = ['new_file_name,vertebrae,top_disc,cut_top,radius_mm,tilt_deg,canal_mm,dim_x,dim_y,dim_z,spacing_x,spacing_y,spacing_z,direction'];
  const truth: Record<string, unknown>[] = [];
  try {
    for (const name of LEVEL_PHANTOM_NAMES) {
      const p = generateLevelPhantom(name, seed);
      await writeImage(p.image, path.join(tmp, 'images', `${name}.mha`), { compress: true });
      await writeImage(p.mask, path.join(tmp, 'masks', `${name}.mha`), { compress: true });
      const s = p.spec;
      rows.push([name, s.vertebrae, s.topDisc, s.cutTop, s.radiusMm ?? '', s.tiltDeg, s.canalMm, ...p.mask.size, ...p.mask.spacing, `"${p.mask.direction.map((v) => Number(v.toFixed(6))).join(' ')}"`].join(','));
      truth.push({ name, spec: s, vertebraCount: p.vertebraCount, expectedFlags: p.expectedFlags, levels: p.levels });
    }
    writeTextAtomic(path.join(tmp, 'overview.csv'), rows.join('\n') + '\n');
    writeTextAtomic(path.join(tmp, 'levels.json'), JSON.stringify({ unit: 'mm', seed, cases: truth }, null, 1) + '\n');
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return LEVEL_PHANTOM_NAMES;
}
