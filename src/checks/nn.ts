// Checks of the NN ops (src/graph/nn.ts), Adam (src/graph/optim.ts) and Glorot init (src/graph/init.ts)
// against src/reference/nn.ts: forward vs float64, backward vs finite differences, on odd NHWC shapes.
import type { Check, CheckResult } from './harness.ts';
import { gradCheck, compare, withPoisonedPool } from './harness.ts';
import * as nn from '../graph/nn.ts';
import * as ref from '../reference/nn.ts';
import { Adam } from '../graph/optim.ts';
import { glorotUniform, kerasFans } from '../graph/init.ts';
import { Rng } from '../util/random.ts';
import { Tensor } from '../graph/tensor.ts';
import { backward } from '../graph/autograd.ts';
import { gpu } from '../runtime/gpu.ts';

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const tight = { atol: 1e-5, rtol: 1e-5 };
const gradTol = { atol: 2e-3, rtol: 2e-3 };
/** piecewise-linear ops: finite differences of the float64 reference are exact up to rounding */
const linearGradTol = { atol: 1e-5, rtol: 1e-5 };

function input(rng: Rng, shape: number[], lo = -1, hi = 1) {
  return { shape, data: rng.array(numel(shape), lo, hi) };
}

function f32(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(Float32Array.from(a));
}

function both(a: CheckResult, b: CheckResult): CheckResult {
  if (!a.pass) return a;
  if (!b.pass) return b;
  return { pass: true, maxAbsErr: Math.max(a.maxAbsErr, b.maxAbsErr), detail: `${a.detail}; ${b.detail}` };
}

export const checks: Check[] = [];

// ---- batch normalisation ------------------------------------------------------------------------
const bnShapes: [number, number, number, number][] = [[1, 7, 13, 3], [3, 13, 7, 17], [3, 7, 13, 64], [1, 13, 7, 1], [3, 13, 13, 64]];
for (const shape of bnShapes) {
  const [, , , c] = shape;
  const s = shape.join('x');
  // a large common offset in one shape checks the shifted f32 moments
  const offset = c === 17 ? 50 : 0;
  checks.push({
    name: `nn/batchNorm training ${s}${offset ? ` (mean ${offset})` : ''} forward, running stats, backward`,
    run: async () => {
      const rng = new Rng(numel(shape) + 11);
      const x = input(rng, shape, offset - 2, offset + 2);
      const gammaIn = input(rng, [c], 0.5, 1.5);
      const betaIn = input(rng, [c], -0.5, 0.5);
      const rm0 = rng.array(c, -0.2, 0.2);
      const rv0 = rng.array(c, 0.5, 1.5);
      const state = { runningMean: Tensor.fromData(Float32Array.from(rm0), [c]), runningVar: Tensor.fromData(Float32Array.from(rv0), [c]) };
      // Keras's 0.99 on one shape; 0.5 elsewhere so the batch statistics weigh in the running ones
      const momentum = c === 3 ? 0.99 : 0.5;
      const epsilon = 1e-3;
      let calls = 0;
      const r = await gradCheck({
        inputs: [x, gammaIn, betaIn],
        gpu: ([xt, g, b]) => {
          calls++;
          return nn.batchNorm(xt, g, b, state, { training: true, momentum, epsilon });
        },
        reference: ([xr, g, b]) => ref.batchNormTrainRef(xr, g, b, c, epsilon).y,
        outShape: shape,
        forwardTol: { atol: 1e-4, rtol: 1e-4 },
        gradTol,
        samples: 32,
      });
      const batch = ref.batchNormTrainRef(f32(x.data), f32(gammaIn.data), f32(betaIn.data), c, epsilon);
      const rm = compare('runningMean', await state.runningMean.read(), ref.movingAverageRef(f32(rm0), batch.mean, momentum), [c], { atol: 1e-5 * (1 + offset), rtol: 1e-5 });
      const rv = compare('runningVar', await state.runningVar.read(), ref.movingAverageRef(f32(rv0), batch.variance, momentum), [c], { atol: 2e-5 * (1 + offset), rtol: 1e-4 });
      state.runningMean.dispose();
      state.runningVar.dispose();
      if (calls !== 1) return { pass: false, maxAbsErr: Infinity, detail: `batchNorm ran ${calls} times` };
      return both(r, both(rm, rv));
    },
  });
}

for (const shape of [[3, 7, 13, 17], [1, 13, 7, 64]] as [number, number, number, number][]) {
  const c = shape[3];
  checks.push({
    name: `nn/batchNorm inference ${shape.join('x')} forward, backward, running stats untouched`,
    run: async () => {
      const rng = new Rng(numel(shape) + 5);
      const rm = rng.array(c, -0.5, 0.5);
      const rv = rng.array(c, 0.2, 2);
      const state = { runningMean: Tensor.fromData(Float32Array.from(rm), [c]), runningVar: Tensor.fromData(Float32Array.from(rv), [c]) };
      const r = await gradCheck({
        inputs: [input(rng, shape), input(rng, [c], 0.5, 1.5), input(rng, [c])],
        gpu: ([x, g, b]) => nn.batchNorm(x, g, b, state, { training: false }),
        reference: ([x, g, b]) => ref.batchNormInferRef(x, g, b, f32(rm), f32(rv), 1e-3),
        outShape: shape,
        forwardTol: { atol: 1e-5, rtol: 1e-5 },
        gradTol,
        samples: 32,
      });
      const after = both(compare('runningMean', await state.runningMean.read(), f32(rm), [c], { atol: 0, rtol: 0 }), compare('runningVar', await state.runningVar.read(), f32(rv), [c], { atol: 0, rtol: 0 }));
      state.runningMean.dispose();
      state.runningVar.dispose();
      return both(r, after);
    },
  });
}

// many rows: the stats reduction runs over several row chunks and a column_sum pass
checks.push({
  name: 'nn/batchNorm training 2x64x80x16 (multi-chunk reduction)',
  run: async () => {
    const shape = [2, 64, 80, 16];
    const c = 16;
    const rng = new Rng(99);
    const state = { runningMean: Tensor.zeros([c]), runningVar: Tensor.fromData(new Float32Array(c).fill(1), [c]) };
    const x = input(rng, shape, -3, 5);
    const r = await gradCheck({
      inputs: [x, input(rng, [c], 0.5, 1.5), input(rng, [c])],
      gpu: ([xt, g, b]) => nn.batchNorm(xt, g, b, state, { training: true }),
      reference: ([xr, g, b]) => ref.batchNormTrainRef(xr, g, b, c, 1e-3).y,
      outShape: shape,
      forwardTol: { atol: 2e-4, rtol: 1e-4 },
      gradTol,
      samples: 12,
    });
    const batch = ref.batchNormTrainRef(f32(x.data), new Float64Array(c).fill(1), new Float64Array(c), c, 1e-3);
    const rv = compare('runningVar', await state.runningVar.read(), ref.movingAverageRef(new Float64Array(c).fill(1), batch.variance, 0.99), [c], { atol: 1e-5, rtol: 1e-4 });
    // from 0 with momentum 0.99 the running mean is 0.01 * the batch mean: a tolerance well under that
    const rm = compare('runningMean', await state.runningMean.read(), ref.movingAverageRef(new Float64Array(c), batch.mean, 0.99), [c], { atol: 1e-7, rtol: 1e-4 });
    state.runningMean.dispose();
    state.runningVar.dispose();
    return both(r, both(rm, rv));
  },
});

// ---- leaky ReLU -----------------------------------------------------------------------------------
for (const shape of [[3, 7, 13, 17], [1, 13, 7, 3], [1, 7, 7, 1]]) {
  checks.push({
    name: `nn/leakyRelu 0.1 ${shape.join('x')}`,
    run: () => {
      const rng = new Rng(numel(shape));
      const x = input(rng, shape);
      // away from the kink so finite differences are well defined
      x.data = x.data.map((v) => (Math.abs(v) < 0.05 ? v + Math.sign(v || 1) * 0.1 : v));
      return gradCheck({ inputs: [x], gpu: ([t]) => nn.leakyRelu(t, 0.1), reference: ([t]) => ref.leakyReluRef(t, 0.1), outShape: shape, forwardTol: tight, gradTol: linearGradTol });
    },
  });
}

// ---- max pool -------------------------------------------------------------------------------------
/** Random NHWC data whose 2x2 windows have no near-ties (cells 0.1 apart), so finite differences are clean. */
function poolInput(rng: Rng, shape: number[]) {
  const [n, h, w, c] = shape;
  const data = rng.array(numel(shape));
  for (let b = 0; b < n; b++)
    for (let i = 0; i + 1 < h; i += 2)
      for (let j = 0; j + 1 < w; j += 2)
        for (let k = 0; k < c; k++) {
          const order = rng.shuffle([0, 1, 2, 3]);
          const base = rng.uniform(-1, 1);
          order.forEach((rank, cell) => {
            data[((b * h + i + (cell >> 1)) * w + j + (cell & 1)) * c + k] = base + 0.1 * rank + rng.uniform(0, 0.01);
          });
        }
  return { shape, data };
}

for (const shape of [[3, 7, 13, 17], [1, 13, 7, 64], [1, 8, 6, 3], [3, 13, 13, 1]]) {
  const [n, h, w, c] = shape;
  const out = [n, Math.floor(h / 2), Math.floor(w / 2), c];
  checks.push({
    name: `nn/maxPool2x2 ${shape.join('x')} -> ${out.join('x')}`,
    run: () => gradCheck({ inputs: [poolInput(new Rng(numel(shape)), shape)], gpu: ([t]) => nn.maxPool2x2(t), reference: ([t]) => ref.maxPool2x2Ref(t, n, h, w, c), outShape: out, forwardTol: { atol: 0, rtol: 0 }, gradTol: linearGradTol, samples: 64 }),
  });
}

for (const shape of [[3, 7, 13, 17], [1, 1, 5, 3]]) {
  const [n, h, w, c] = shape;
  checks.push({
    name: `nn/maxPool2x2 ${shape.join('x')} whole input gradient (dropped rows/columns are 0)`,
    // every buffer dx may get is NaN-filled: an element the kernel forgets to write shows up
    run: () => withPoisonedPool(async () => {
      const rng = new Rng(3);
      const x = poolInput(rng, shape).data;
      const oshape = [n, Math.floor(h / 2), Math.floor(w / 2), c];
      const gData = rng.array(numel(oshape));
      const xt = Tensor.fromData(Float32Array.from(x), shape);
      xt.requiresGrad = true;
      const y = nn.maxPool2x2(xt);
      const seed = Tensor.fromData(Float32Array.from(gData), oshape);
      backward(y, seed);
      const got = await xt.grad!.read();
      [xt, y, seed].forEach((t) => t.dispose());
      return compare('dx', got, ref.maxPool2x2BackwardRef(f32(x), f32(gData), n, h, w, c), shape, { atol: 0, rtol: 0 });
    }),
  });
}

checks.push({
  name: 'nn/maxPool2x2 ties go to the first cell of the window',
  run: () => withPoisonedPool(async () => {
    // one window of 2 channels: channel 0 all equal, channel 1 with the max at cells 1 and 3
    const x = Tensor.fromData([5, 0, 5, 7, 5, 1, 5, 7], [1, 2, 2, 2]);
    x.requiresGrad = true;
    const y = nn.maxPool2x2(x);
    const seed = Tensor.fromData([1, 1], [1, 1, 1, 2]);
    backward(y, seed);
    const got = await x.grad!.read();
    [x, y, seed].forEach((t) => t.dispose());
    return compare('dx', got, [1, 0, 0, 1, 0, 0, 0, 0], [1, 2, 2, 2], { atol: 0, rtol: 0 });
  }),
});

// ---- dropout --------------------------------------------------------------------------------------
for (const [shape, rate, seed] of [[[3, 7, 13, 17], 0.3, 12345], [[1, 13, 7, 64], 0.5, 7]] as [number[], number, number][]) {
  checks.push({
    name: `nn/dropout rate ${rate} ${shape.join('x')} forward = hash mask, backward = mask * scale * g`,
    run: () => gradCheck({ inputs: [input(new Rng(seed), shape)], gpu: ([t]) => nn.dropout(t, rate, { training: true, seed }), reference: ([t]) => ref.dropoutRef(t, rate, seed), outShape: shape, forwardTol: tight, gradTol: linearGradTol, samples: 64 }),
  });
}

checks.push({
  name: 'nn/dropout statistics on 2^20 elements: kept fraction, seeds, inference identity',
  run: async () => {
    const n = 1 << 20;
    const ones = Tensor.fromData(new Float32Array(n).fill(1), [n]);
    const results: CheckResult[] = [];
    const masks: Float32Array[] = [];
    for (const [rate, seed] of [[0.5, 1], [0.5, 1], [0.5, 2], [0.1, 3]]) {
      const y = nn.dropout(ones, rate, { training: true, seed });
      const v = await y.read();
      y.dispose();
      masks.push(v);
      let kept = 0;
      let bad = 0;
      for (const e of v) {
        if (e !== 0) kept++;
        if (e !== 0 && Math.abs(e - 1 / (1 - rate)) > 1e-6) bad++;
      }
      // 6 binomial standard deviations
      const sd = Math.sqrt(n * rate * (1 - rate));
      results.push({ pass: Math.abs(kept - n * (1 - rate)) < 6 * sd && bad === 0, maxAbsErr: Math.abs(kept / n - (1 - rate)), detail: `rate ${rate} seed ${seed}: kept ${kept}/${n} (want ${n * (1 - rate)} +- ${(6 * sd).toFixed(0)}), ${bad} kept values not 1/(1-rate)` });
    }
    let same = 0;
    let diff = 0;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      if (masks[0][i] === masks[1][i]) same++;
      if (masks[0][i] !== masks[2][i]) diff++;
      if ((masks[0][i] !== 0) === (masks[2][i] !== 0)) agree++;
    }
    results.push({ pass: same === n, maxAbsErr: n - same, detail: `same seed: ${same}/${n} equal` });
    // independent masks at rate 0.5 agree on about half the elements
    results.push({ pass: diff > 0 && Math.abs(agree - n / 2) < 6 * Math.sqrt(n / 4), maxAbsErr: 0, detail: `seeds 1 vs 2: ${diff} differ, ${agree} agree (want ~${n / 2})` });
    const id = nn.dropout(ones, 0.5, { training: false, seed: 1 });
    const idv = await id.read();
    id.dispose();
    results.push(compare('inference', idv, new Float32Array(n).fill(1), [n], { atol: 0, rtol: 0 }));
    ones.dispose();
    return results.reduce(both);
  },
});

// ---- concat ---------------------------------------------------------------------------------------
for (const [lead, ca, cb] of [[[3, 7, 13], 17, 3], [[1, 13, 7], 1, 64], [[1, 7, 7], 3, 3]] as [number[], number, number][]) {
  const shape = [...lead, ca + cb];
  checks.push({
    name: `nn/concatChannels ${[...lead, ca].join('x')} ++ ${cb}`,
    run: () => {
      const rng = new Rng(ca * 100 + cb);
      return gradCheck({ inputs: [input(rng, [...lead, ca]), input(rng, [...lead, cb])], gpu: ([a, b]) => nn.concatChannels(a, b), reference: ([a, b]) => ref.concatChannelsRef(a, b, ca, cb), outShape: shape, forwardTol: { atol: 0, rtol: 0 }, gradTol: linearGradTol });
    },
  });
}

// ---- fused softmax + focal/Dice loss -----------------------------------------------------------------
interface LossCase {
  shape: [number, number, number, number];
  /** classes that never occur in the labels */
  absent?: number[];
  /** logit range: wide ranges make confident (p near 1) pixels */
  range?: number;
  opts?: nn.FocalDiceOptions;
  samples?: number;
}
const lossCases: LossCase[] = [
  { shape: [3, 7, 13, 4] },
  { shape: [1, 13, 7, 4], absent: [2] },
  { shape: [3, 13, 7, 4], absent: [0, 3], range: 8 },
  { shape: [1, 7, 13, 4], opts: { gamma: 2, alpha: 0.25, focalWeight: 0.5, diceWeight: 0.5, smooth: 1e-5 }, absent: [1] },
  { shape: [1, 7, 7, 3], opts: { gamma: 1 } },
  { shape: [2, 64, 80, 4], samples: 24 },
  // each term alone, so a small error in either gradient cannot hide behind the other
  { shape: [3, 7, 13, 4], absent: [3], opts: { focalWeight: 0, diceWeight: 1 } },
  { shape: [1, 13, 7, 4], opts: { focalWeight: 1, diceWeight: 0 } },
];
for (const lc of lossCases) {
  const [n, h, w, c] = lc.shape;
  const o = { ...nn.focalDiceDefaults, ...lc.opts };
  checks.push({
    name: `nn/focalDiceLoss ${lc.shape.join('x')}${lc.absent ? ` classes ${lc.absent} absent` : ''}${lc.range ? ` logits +-${lc.range}` : ''}${lc.opts ? ` ${JSON.stringify(lc.opts)}` : ''} vs unfused reference`,
    run: async () => {
      const rng = new Rng(numel(lc.shape) + (lc.absent?.length ?? 0));
      const present = [...Array(c).keys()].filter((k) => !lc.absent?.includes(k));
      const labels = Uint32Array.from({ length: n * h * w }, () => present[rng.int(present.length)]);
      const labelTensor = Tensor.fromData(labels, [n, h, w], 'u32');
      const r = await gradCheck({
        inputs: [input(rng, [...lc.shape], -(lc.range ?? 3), lc.range ?? 3)],
        gpu: ([logits]) => nn.focalDiceLoss(logits, labelTensor, lc.opts),
        reference: ([logits]) => Float64Array.of(ref.focalDiceRef(logits, labels, c, o)),
        outShape: [1],
        forwardTol: { atol: 1e-5, rtol: 1e-4 },
        // dL/dlogit is O(1/pixels): the absolute floor scales with it
        gradTol: { atol: 1e-4 / (n * h * w), rtol: 1e-3 },
        samples: lc.samples ?? 48,
      });
      labelTensor.dispose();
      return r;
    },
  });
}

checks.push({
  name: 'nn/softmax and argmaxChannels 3x7x13x4, 1x13x7x17',
  run: async () => {
    const results: CheckResult[] = [];
    for (const shape of [[3, 7, 13, 4], [1, 13, 7, 17]]) {
      const c = shape[3];
      const rng = new Rng(numel(shape));
      const x = rng.array(numel(shape), -5, 5);
      const t = Tensor.fromData(Float32Array.from(x), shape);
      const p = nn.softmax(t);
      const a = nn.argmaxChannels(t);
      results.push(compare('softmax', await p.read(), ref.softmaxRef(f32(x), c), shape, { atol: 1e-6, rtol: 1e-5 }));
      results.push(compare('argmax', await a.readU32(), ref.argmaxRef(f32(x), c), shape.slice(0, 3), { atol: 0, rtol: 0 }));
      [t, p, a].forEach((v) => v.dispose());
    }
    return results.reduce(both);
  },
});

// ---- Adam -----------------------------------------------------------------------------------------
const adamDefaults = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
for (const steps of [1, 7]) {
  checks.push({
    name: `optim/Adam ${steps} step(s), parameters of 1, 17 and 3x3x17x64 elements`,
    run: async () => {
      const rng = new Rng(steps);
      const shapes = [[1], [17], [3, 3, 17, 64]];
      const start = shapes.map((s) => f32(rng.array(numel(s))));
      const grads = shapes.map((s) => Array.from({ length: steps }, () => f32(rng.array(numel(s), -0.1, 0.1))));
      // tiny gradients on the first parameter exercise the epsilon next to sqrt(v)
      grads[0] = grads[0].map((g) => f32(g.map((v) => v * 1e-6)));
      const hyper = { ...adamDefaults, lr: steps === 1 ? 1e-3 : 0.01 };
      const params = shapes.map((s, i) => Tensor.fromData(Float32Array.from(start[i]), s));
      const opt = new Adam(params, steps === 1 ? {} : { lr: 0.01 });
      for (let t = 0; t < steps; t++) {
        params.forEach((p, i) => (p.grad = Tensor.fromData(Float32Array.from(grads[i][t]), p.shape)));
        opt.step();
        opt.zeroGrad();
      }
      const results: CheckResult[] = [];
      for (let i = 0; i < params.length; i++) {
        const want = ref.adamRef(start[i], grads[i], hyper);
        // m can cancel towards 0 over steps: its absolute floor follows the gradient scale
        const gmax = grads[i].reduce((a, g) => Math.max(a, ...g.map(Math.abs)), 0);
        // where m nearly cancels, m / sqrt(v) amplifies f32 rounding: the floor scales with the step size
        results.push(compare(`param ${i}`, await params[i].read(), want.param, shapes[i], { atol: 2e-4 * hyper.lr, rtol: 1e-5 }));
        results.push(compare(`m ${i}`, await opt.m[i].read(), want.m, shapes[i], { atol: 1e-6 * gmax, rtol: 1e-5 }));
        results.push(compare(`v ${i}`, await opt.v[i].read(), want.v, shapes[i], { atol: 1e-6 * gmax * gmax, rtol: 1e-5 }));
      }
      params.forEach((p) => p.dispose());
      opt.dispose();
      return results.reduce(both);
    },
  });
}

checks.push({
  name: 'optim/Adam state round trip: 3 steps, checkpoint, 2 more == 5 steps',
  run: async () => {
    const rng = new Rng(42);
    const n = 1000;
    const p0 = Float32Array.from(rng.array(n));
    const grads = Array.from({ length: 5 }, () => Float32Array.from(rng.array(n, -1, 1)));
    const run = async (restoreAt: number | null) => {
      const p = Tensor.fromData(p0, [n]);
      let opt = new Adam([p]);
      for (let t = 0; t < 5; t++) {
        if (t === restoreAt) {
          const state = await opt.getState();
          opt.dispose();
          opt = new Adam([p]);
          opt.setState(state);
        }
        p.grad = Tensor.fromData(grads[t], [n]);
        opt.step();
        opt.zeroGrad();
      }
      const out = await p.read();
      const it = opt.iterations;
      p.dispose();
      opt.dispose();
      return { out, it };
    };
    const straight = await run(null);
    const resumed = await run(3);
    const want = ref.adamRef(f32(p0), grads.map(f32), adamDefaults).param;
    const r = both(compare('resumed vs straight', resumed.out, straight.out, [n], { atol: 1e-6, rtol: 1e-6 }), compare('straight vs reference', straight.out, want, [n], { atol: 1e-6, rtol: 1e-5 }));
    return resumed.it === 5 ? r : { pass: false, maxAbsErr: Infinity, detail: `iterations ${resumed.it} after restore, want 5` };
  },
});

// ---- Glorot uniform -------------------------------------------------------------------------------
checks.push({
  name: 'init/glorotUniform 3x3x64x128 bounds, mean, variance; Keras fans',
  run: async () => {
    const shape = [3, 3, 64, 128];
    const { fanIn, fanOut } = kerasFans(shape);
    const w = glorotUniform(shape, fanIn, fanOut, new Rng(1));
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    let mean = 0;
    let out = 0;
    for (const v of w) {
      mean += v;
      if (Math.abs(v) > limit) out++;
    }
    mean /= w.length;
    let variance = 0;
    for (const v of w) variance += (v - mean) ** 2;
    variance /= w.length;
    const want = (limit * limit) / 3; // variance of U(-l, l) = 2 / (fanIn + fanOut)
    const n = w.length;
    const same = glorotUniform(shape, fanIn, fanOut, new Rng(1)).every((v, i) => v === w[i]);
    // mean: 6 standard errors; variance: the sample variance of a uniform has relative sd sqrt(0.8 / n)
    const pass = fanIn === 576 && fanOut === 1152 && out === 0 && Math.abs(mean) < 6 * Math.sqrt(want / n) && Math.abs(variance / want - 1) < 6 * Math.sqrt(0.8 / n) && same && w.length === numel(shape);
    return { pass, maxAbsErr: Math.abs(variance - want), detail: `fans ${fanIn}/${fanOut} (want 576/1152), limit ${limit.toFixed(5)}, ${out} outside, mean ${mean.toExponential(2)}, var ${variance.toExponential(4)} want ${want.toExponential(4)}, reproducible ${same}` };
  },
});

