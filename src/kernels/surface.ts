// Surface distances of two label maps on the GPU, per (case, foreground class):
//   1. shaders/surface_bbox.wgsl: box of the class in prediction OR truth (all surface voxels lie in it)
//   2. shaders/surface_seed_rows.wgsl: surface voxels (4-/6-neighbour rule) as EDT seeds, row pass
//   3. shaders/edt_envelope.wgsl: exact EDT along H (and D), restricted to the box
//   4. shaders/surface_gather.wgsl: every surface voxel appends its distance to the other surface (atomic append)
// Only the compacted (key, distance) list and the box table come back; src/metrics/surface.ts turns the
// lists into ASD / HD95 / NSD. Jobs are processed in chunks so no buffer passes the binding limit.
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';
import { envelopePasses, volumeGeometry, EDT_NO_SEED } from './edt.ts';

export const surfaceBboxKernel = defineKernel({ name: 'surface_bbox', shader: 'surface_bbox', doc: 'per (case, class) bounding box of prediction or truth voxels (private, workgroup, global atomics)' });
export const surfaceSeedRowsKernel = defineKernel({ name: 'surface_seed_rows', shader: 'surface_seed_rows', doc: 'surface voxels as EDT seeds, first (row) pass, inside the class box' });
export const surfaceGatherKernel = defineKernel({ name: 'surface_gather', shader: 'surface_gather', doc: 'append each surface voxel distance to the other surface (one thread per column inside the class box, atomic append)' });

/** Largest class count the box kernel holds (array<atomic<i32>, 42> = 7 foreground classes x 6). */
export const MAX_SURFACE_CLASSES = 8;

/** Distances (mm) of one (case, class): Infinity where the other surface is empty. */
export interface SurfaceDistanceLists {
  caseIndex: number;
  /** foreground class 1..numClasses-1 */
  cls: number;
  /** for each prediction surface voxel, its distance to the truth surface */
  predToTruth: Float32Array;
  /** for each truth surface voxel, its distance to the prediction surface */
  truthToPred: Float32Array;
}

export interface SurfaceOptions {
  numClasses?: number;
  /** bytes per working buffer (default: min(binding limit, 128 MiB)) */
  bufferBudget?: number;
}

/**
 * Surface distance lists of every (case, foreground class) between u32 label maps `pred` and `truth`
 * ([cases, H, W] 2-D or [cases, D, H, W] 3-D), spacing [rowMm, colMm] or [sliceMm, rowMm, colMm].
 * Surface voxel: class c with a 4-neighbour (2-D) / 6-neighbour (3-D, D > 1) of another class; the image
 * border counts as background. Result order: case-major, classes ascending.
 */
export async function surfaceDistances(pred: Tensor, truth: Tensor, spacing: readonly number[], options: SurfaceOptions = {}): Promise<SurfaceDistanceLists[]> {
  const numClasses = options.numClasses ?? 4;
  if (pred.dtype !== 'u32' || truth.dtype !== 'u32') throw new Error(`surfaceDistances: label maps must be u32 tensors (got ${pred.dtype} and ${truth.dtype})`);
  if (pred.shape.join(',') !== truth.shape.join(',')) throw new Error(`surfaceDistances: prediction [${pred.shape}] and truth [${truth.shape}] differ in shape`);
  if (!Number.isInteger(numClasses) || numClasses < 2 || numClasses > MAX_SURFACE_CLASSES) throw new Error(`surfaceDistances: numClasses ${numClasses} is not in 2..${MAX_SURFACE_CLASSES}`);
  const { images: cases, dims, spacing: sp } = volumeGeometry(pred.shape, spacing);
  const [D, H, W] = dims;
  const voxels = D * H * W;
  const F = numClasses - 1;
  const totalJobs = cases * F;
  if (totalJobs === 0 || voxels === 0) return [];
  const g = gpu();
  const maxWg = g.limits.maxComputeWorkgroupsPerDimension;
  if (cases > maxWg) throw new Error(`surfaceDistances: ${cases} cases in one call is over ${maxWg}; split the batch`);

  // 1. boxes
  const init = new Int32Array(totalJobs * 6);
  for (let j = 0; j < totalJobs; j++) init.set([0x7fffffff, 0x7fffffff, 0x7fffffff, -1, -1, -1], 6 * j);
  const boxes = Tensor.fromData(init, [totalJobs, 6], 'i32', 'surface.boxes');
  // whole rows per workgroup, about 64 voxels per thread
  const rowsPerGroup = Math.max(1, Math.ceil((surfaceBboxKernel.threads * 64) / W), Math.ceil((D * H) / maxWg));
  surfaceBboxKernel.dispatch(g, { pred, truth, boxes }, { D, H, W, numClasses, chunk: rowsPerGroup }, [Math.ceil((D * H) / rowsPerGroup), cases]);

  // 2-4 in chunks of jobs: two EDT images per job in each of the two ping-pong buffers and the scratch
  const budget = Math.min(options.bufferBudget ?? 128 * 1024 * 1024, g.limits.maxStorageBufferBindingSize);
  const bytesPerJob = 2 * voxels * 4;
  // two images per job on the grid's z axis
  const jobsPerChunk = Math.max(1, Math.min(Math.floor(budget / bytesPerJob), Math.floor(maxWg / 2)));
  if (D > maxWg) throw new Error(`surfaceDistances: ${D} slices is over ${maxWg} (maxComputeWorkgroupsPerDimension)`);
  if (2 * voxels * 4 > budget) throw new Error(`surfaceDistances: a ${D}x${H}x${W} volume needs ${2 * voxels * 4} bytes per class, over the buffer limit ${budget}`);
  const keyed: { keys: Uint32Array; dists: Float32Array }[] = [];
  for (let jobBase = 0; jobBase < totalJobs; jobBase += jobsPerChunk) {
    const jobs = Math.min(jobsPerChunk, totalJobs - jobBase);
    const M = 2 * jobs;
    const a = Tensor.empty([M, D, H, W], 'f32', 'surface.a');
    const b = Tensor.empty([M, D, H, W], 'f32', 'surface.b');
    surfaceSeedRowsKernel.dispatch(g, { pred, truth, boxes, fOut: a }, { D, H, W, numClasses, jobBase, jobs, spacing2: sp[2] ** 2 }, [surfaceSeedRowsKernel.groupsFor(H), D, M]);
    const f = envelopePasses(a, b, M, dims, sp, boxes, jobBase, 2, false);
    // a surface is at most every voxel of the class; start with a generous guess and retry at the exact size
    let capacity = Math.max(65536, Math.ceil((jobs * voxels) / 16));
    for (;;) {
      const counter = Tensor.fromData(new Uint32Array(1), [1], 'u32', 'surface.count');
      const points = Tensor.empty([capacity, 2], 'u32', 'surface.points');
      surfaceGatherKernel.dispatch(g, { pred, truth, boxes, f, points, counter }, { D, H, W, numClasses, jobBase, jobs, capacity }, [surfaceGatherKernel.groupsFor(W), D, jobs]);
      const count = (await counter.readU32())[0];
      if (count <= capacity) {
        const raw = count > 0 ? new Uint32Array(await g.read(points.buffer, count * 8)) : new Uint32Array(0);
        const keys = new Uint32Array(count);
        const dists = new Float32Array(count);
        const asFloat = new Float32Array(raw.buffer);
        for (let i = 0; i < count; i++) {
          keys[i] = raw[2 * i];
          const d = asFloat[2 * i + 1];
          dists[i] = d >= EDT_NO_SEED / 2 ? Infinity : d;
        }
        keyed.push({ keys, dists });
        counter.dispose();
        points.dispose();
        break;
      }
      counter.dispose();
      points.dispose();
      capacity = count;
    }
    a.dispose();
    b.dispose();
  }
  boxes.dispose();

  // group by key = 2 * job + side
  const sizes = new Uint32Array(2 * totalJobs);
  for (const { keys } of keyed) for (const k of keys) sizes[k]++;
  const lists = Array.from(sizes, (n) => new Float32Array(n));
  const fill = new Uint32Array(2 * totalJobs);
  for (const { keys, dists } of keyed) for (let i = 0; i < keys.length; i++) lists[keys[i]][fill[keys[i]]++] = dists[i];
  const out: SurfaceDistanceLists[] = [];
  for (let job = 0; job < totalJobs; job++) {
    out.push({ caseIndex: Math.floor(job / F), cls: (job % F) + 1, predToTruth: lists[2 * job], truthToPred: lists[2 * job + 1] });
  }
  return out;
}
