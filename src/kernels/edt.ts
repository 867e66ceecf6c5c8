// Exact Euclidean distance transform on the GPU with anisotropic spacing in mm: a two-sweep pass along
// rows (shaders/edt_seed_rows.wgsl), then the Felzenszwalb-Huttenlocher lower envelope along columns and,
// in 3-D, slices (shaders/edt_envelope.wgsl). One thread per line. Not an approximation (no jump flooding).
//
// Encoding of "no seed": a finite sentinel EDT_NO_SEED = 1e30 on the GPU (WGSL does not promise IEEE
// infinities); edtToHost() turns it into Infinity. A mask without any seed gives EDT_NO_SEED everywhere.
import { gpu } from '../runtime/gpu.ts';
import { defineKernel, grid1d } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const edtSeedRowsKernel = defineKernel({ name: 'edt_seed_rows', shader: 'edt_seed_rows', doc: 'EDT pass 1: squared mm distance to the nearest seed along each row (two sweeps)' });
export const edtEnvelopeKernel = defineKernel({ name: 'edt_envelope', shader: 'edt_envelope', doc: 'EDT pass along H or D: lower envelope of parabolas (Felzenszwalb-Huttenlocher), one thread per line' });

/** GPU value for "no seed anywhere" (an infinite distance); values >= EDT_NO_SEED / 2 mean infinity. */
export const EDT_NO_SEED = 1e30;

/** Volume dims [D, H, W] and spacing [sd, sh, sw] (mm) from a tensor shape [B, H, W] / [B, D, H, W] and a 2- or 3-entry spacing. */
export function volumeGeometry(shape: readonly number[], spacing: readonly number[]): { images: number; dims: [number, number, number]; spacing: [number, number, number] } {
  if (shape.length !== 3 && shape.length !== 4) throw new Error(`EDT input must be [B, H, W] or [B, D, H, W], got [${shape}]`);
  const dims: [number, number, number] = shape.length === 3 ? [1, shape[1], shape[2]] : [shape[1], shape[2], shape[3]];
  if (spacing.length !== 2 && spacing.length !== 3) throw new Error(`spacing must be [rowMm, colMm] or [sliceMm, rowMm, colMm], got [${spacing}]`);
  const sp: [number, number, number] = spacing.length === 2 ? [1, spacing[0], spacing[1]] : [spacing[0], spacing[1], spacing[2]];
  if (dims[0] > 1 && spacing.length !== 3) throw new Error(`a 3-D input [${shape}] needs spacing [sliceMm, rowMm, colMm], got [${spacing}]`);
  for (const s of sp) if (!(s > 0) || !Number.isFinite(s)) throw new Error(`spacing [${spacing}] must be positive finite millimetres`);
  return { images: shape[0], dims, spacing: sp };
}

/**
 * Records the envelope passes along H (and D when D > 1) for images [M, D, H, W] held in `a`, using `b`
 * as the other ping-pong buffer. Returns the tensor holding the result (a or b). Scratch is taken from
 * the pool and released. `boxes` holds per-box [lo d,h,w, hi d,h,w] (i32); image m uses box boxBase + m / boxDiv.
 */
export function envelopePasses(
  a: Tensor,
  b: Tensor,
  M: number,
  dims: readonly [number, number, number],
  spacing: readonly [number, number, number],
  boxes: Tensor,
  boxBase: number,
  boxDiv: number,
  finish: boolean,
): Tensor {
  const g = gpu();
  const [D, H, W] = dims;
  const voxels = M * D * H * W;
  const maxWg = g.limits.maxComputeWorkgroupsPerDimension;
  if (D > maxWg || H > maxWg) throw new Error(`EDT: [${M}, ${D}, ${H}, ${W}]: D or H over ${maxWg} (maxComputeWorkgroupsPerDimension)`);
  const axes = D > 1 ? [1, 0] : [1];
  // scratch: up to n envelope entries (root, value, left boundary) per line, n * lines <= voxels
  const envV = Tensor.empty([voxels], 'i32', 'edt.envV');
  const envF = Tensor.empty([voxels], 'f32', 'edt.envF');
  const envZ = Tensor.empty([voxels], 'f32', 'edt.envZ');
  let src = a;
  let dst = b;
  axes.forEach((axis, i) => {
    const last = i === axes.length - 1;
    // images on the grid's z axis, in dispatches of at most maxWg images
    for (let mBase = 0; mBase < M; mBase += maxWg) {
      edtEnvelopeKernel.dispatch(
        g,
        { fIn: src, fOut: dst, envV, envF, envZ, boxes },
        { M, D, H, W, axis, spacing2: spacing[axis] ** 2, boxBase, boxDiv, finish: finish && last ? 1 : 0, mBase },
        [edtEnvelopeKernel.groupsFor(W), axis === 1 ? D : H, Math.min(maxWg, M - mBase)],
      );
    }
    [src, dst] = [dst, src];
  });
  envV.dispose();
  envF.dispose();
  envZ.dispose();
  return src;
}

/**
 * Exact EDT: distance in mm from every voxel to the nearest NON-ZERO voxel of `seeds` (u32 [B, H, W] or
 * [B, D, H, W]; each of the B images / volumes separately). `spacing` is [rowMm, colMm] or
 * [sliceMm, rowMm, colMm]. Returns f32 of the same shape, EDT_NO_SEED where an image has no seed.
 * For the scipy-style "distance of foreground to the nearest background", pass the background as seeds.
 */
export function exactEdt(seeds: Tensor, spacing: readonly number[]): Tensor {
  if (seeds.dtype !== 'u32') throw new Error(`exactEdt: seeds must be a u32 tensor, got ${seeds.dtype}`);
  const { images: B, dims, spacing: sp } = volumeGeometry(seeds.shape, spacing);
  const [D, H, W] = dims;
  const g = gpu();
  const a = Tensor.empty(seeds.shape, 'f32', 'edt.a');
  const b = Tensor.empty(seeds.shape, 'f32', 'edt.b');
  if (seeds.size === 0) {
    b.dispose();
    return a;
  }
  edtSeedRowsKernel.dispatch(g, { seeds, fOut: a }, { lines: B * D * H, n: W, spacing2: sp[2] ** 2 }, grid1d(B * D * H, 64, g.limits.maxComputeWorkgroupsPerDimension));
  const box = new Int32Array(6 * B);
  for (let m = 0; m < B; m++) box.set([0, 0, 0, D - 1, H - 1, W - 1], 6 * m);
  const boxes = Tensor.fromData(box, [B, 6], 'i32', 'edt.boxes');
  const out = envelopePasses(a, b, B, dims, sp, boxes, 0, 1, true);
  (out === a ? b : a).dispose();
  boxes.dispose();
  return out;
}

/** Reads an EDT tensor back, with the no-seed sentinel turned into Infinity. */
export async function edtToHost(t: Tensor): Promise<Float32Array> {
  const d = await t.read();
  for (let i = 0; i < d.length; i++) if (d[i] >= EDT_NO_SEED / 2) d[i] = Infinity;
  return d;
}
