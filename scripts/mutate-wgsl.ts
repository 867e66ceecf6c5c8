// Hand-written mutations of the WGSL kernels (Stryker mutates TypeScript only): sign flips, off-by-one
// indices, dropped bounds checks, swapped transform constants. Each mutant runs in its own process, with the
// mutated text registered in place of shaders/<name>.wgsl before any pipeline is compiled (the files on disk
// are never touched), through the kernel checks of the families that use that shader (src/checks/<family>.ts,
// the same checks the tests and the web page run) plus the few extra checks below. A mutant is killed when a
// check fails or throws. Survivors must be listed as equivalent with the reason, or the script exits 1.
//
//   npx tsx scripts/mutate-wgsl.ts [--only ID[,ID...]] [--md FILE]
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

type Family = 'core' | 'nn' | 'schedule' | 'augment' | 'metrics' | 'epilogue' | 'winograd' | 'conv' | 'extra';

interface Mutant {
  id: string;
  shader: string;
  what: string;
  find: string;
  replace: string;
  families: Family[];
  /** why the mutant cannot change any result (only for mutants expected to survive) */
  equivalent?: string;
  /** a real fault no check can see on this adapter (a race the adapter's execution order hides): why */
  unobservable?: string;
}

const WINO: Family[] = ['winograd', 'epilogue', 'extra'];
const CONV: Family[] = ['conv', 'epilogue'];

export const MUTANTS: Mutant[] = [
  // direct convolution
  { id: 'conv-pixel-col', shader: 'conv2d_register', what: 'thread-to-column mapping shifted by one', find: 'pb[i] = i32(mm % p.Wg);', replace: 'pb[i] = i32((mm + 1u) % p.Wg);', families: CONV, equivalent: 'pb is both the column a thread reads around and the column it stores, and (mm + 1) % Wg stays a bijection within the row: the threads of a row swap pixels, every pixel is still computed once, correctly' },
  { id: 'conv-input-col', shader: 'conv2d_register', what: 'off-by-one input column', find: 'let sw = pb[i] * ss + dw;', replace: 'let sw = pb[i] * ss + dw + 1;', families: CONV },
  { id: 'conv-live', shader: 'conv2d_register', what: 'off-by-one bound of the live pixels (M >= m)', find: 'live[i] = M > m;', replace: 'live[i] = M >= m;', families: CONV, equivalent: 'the one extra pixel per dispatch is m = M, clamped to mm = M - 1 (the last pixel), so it writes the value the last pixel already has' },
  // Winograd F(2x2, 3x3)
  { id: 'wino-input-sign', shader: 'winograd_input', what: 'B^T row 0 sign flip (d0 + d2)', find: 's[0][j] = d[0][j] - d[2][j];', replace: 's[0][j] = d[0][j] + d[2][j];', families: WINO },
  { id: 'wino-input-pad', shader: 'winograd_input', what: 'off-by-one padding row (h0 = 2 ty)', find: 'let h0 = i32(2u * ty) - 1;', replace: 'let h0 = i32(2u * ty);', families: WINO },
  { id: 'wino-filter-half', shader: 'winograd_filter', what: 'G constant 1/2 -> 1/4 in row 1', find: 's[1][j] = 0.5 * (g[0][j] + g[1][j] + g[2][j]);', replace: 's[1][j] = 0.25 * (g[0][j] + g[1][j] + g[2][j]);', families: WINO },
  { id: 'wino-output-sign', shader: 'winograd_output', what: 'A^T row 1 sign flip (m1 + m2 - m3)', find: 's[1][j] = m1 - m2 - m3;', replace: 's[1][j] = m1 + m2 - m3;', families: WINO },
  { id: 'wino-output-wbound', shader: 'winograd_output', what: 'dropped column bounds check of a ragged last tile', find: '      if (w >= p.W) { break; }\n      let at = ((n * p.H + h) * p.W + w) * p.O + o;', replace: '      let at = ((n * p.H + h) * p.W + w) * p.O + o;', families: WINO },
  { id: 'wino-grad-sign', shader: 'winograd_grad', what: 'output-gradient transform row 3 sign flip', find: 'array<vec4<f32>, 2>(-y10, -y11),', replace: 'array<vec4<f32>, 2>(y10, y11),', families: WINO },
  { id: 'wino-filtergrad-sign', shader: 'winograd_filter_grad', what: 'G^T row 1 sign flip', find: 's[1][j] = 0.5 * (m[1][j] - m[2][j]);', replace: 's[1][j] = 0.5 * (m[1][j] + m[2][j]);', families: WINO },
  { id: 'wino-gemmat-chunk-end', shader: 'winograd_gemm_at', what: "dropped bound of a ragged last chunk (t1 = t0 + chunk)", find: 'let t1 = min(t0 + p.chunk, p.T);', replace: 'let t1 = t0 + p.chunk;', families: WINO },
  { id: 'wino-gemmat-band-base', shader: 'winograd_gemm_at', what: "band's partial sums written over the first band's (partBase dropped)", find: 'let base = (p.partBase + wid.z) * p.K * p.N;', replace: 'let base = wid.z * p.K * p.N;', families: WINO },
  { id: 'wino-gemmoc-row-clamp', shader: 'winograd_gemm_oc', what: 'dropped row bound on the store (m0 + i >= M)', find: '    if (m0 + i >= p.M) { break; }\n', replace: '', families: WINO, unobservable: 'not equivalent: the extra rows (copies of row M - 1) land on the first rows of the next transform position, a race with that position\'s own workgroups; lavapipe runs them after, so their writes win, and the last position\'s extra rows fall in the pooled buffer\'s unused tail. Another adapter could show it' },
  // Winograd F(4x4, 3x3)
  { id: 'wino4-bt-const', shader: 'winograd4_input', what: 'B^T constant -5 -> -4 in row 0', find: '4.0 * x[0] - 5.0 * x[2] + x[4],', replace: '4.0 * x[0] - 4.0 * x[2] + x[4],', families: WINO },
  { id: 'wino4-input-pad', shader: 'winograd4_input', what: 'off-by-one padding column (w0 = 4 tx - 2)', find: 'let w0 = i32(4u * tx) - 1;', replace: 'let w0 = i32(4u * tx) - 2;', families: WINO },
  { id: 'wino4-g-const', shader: 'winograd4_filter', what: 'G constant 1/6 -> 1/4 in row 3', find: 'x[0] / 24.0 + x[1] / 12.0 + x[2] / 6.0,', replace: 'x[0] / 24.0 + x[1] / 12.0 + x[2] / 4.0,', families: WINO },
  { id: 'wino4-at-const', shader: 'winograd4_output', what: 'A^T constant 4 -> 2 in row 2', find: 'x[1] + x[2] + 4.0 * (x[3] + x[4]),', replace: 'x[1] + x[2] + 2.0 * (x[3] + x[4]),', families: WINO },
  { id: 'wino4-output-row', shader: 'winograd4_output', what: 'off-by-one output row of a tile', find: 'let h = 4u * ty + i;', replace: 'let h = 4u * ty + i + 1u;', families: WINO },
  // Winograd F(4x4, 3x3) filter gradient
  { id: 'wino4-grad-const', shader: 'winograd4_grad', what: 'A constant 8 -> 4 in rows 3 and 4 of the output-gradient transform', find: 'let o2 = 2.0 * y[1] + 8.0 * y[3];', replace: 'let o2 = 2.0 * y[1] + 4.0 * y[3];', families: ['winograd'] },
  { id: 'wino4-grad-sign', shader: 'winograd4_grad', what: 'A row 2 sign flip (e1 + o1)', find: 'return array<vec4<f32>, 6>(y[0], e1 + o1, e1 - o1, e2 + o2, e2 - o2, y[3]);', replace: 'return array<vec4<f32>, 6>(y[0], e1 + o1, e1 + o1, e2 + o2, e2 - o2, y[3]);', families: ['winograd'] },
  { id: 'wino4-grad-row', shader: 'winograd4_grad', what: 'off-by-one dy row of a tile', find: 'col[i] = load(n, 4u * ty + i, 4u * tx + j, c);', replace: 'col[i] = load(n, 4u * ty + i + 1u, 4u * tx + j, c);', families: ['winograd'] },
  { id: 'wino4-grad-wbound', shader: 'winograd4_grad', what: 'dropped column bound of a ragged last tile (reads the next row)', find: 'if (h >= p.H || w >= p.W) { return vec4<f32>(0.0); }', replace: 'if (h >= p.H) { return vec4<f32>(0.0); }', families: ['winograd'] },
  { id: 'wino4-filtergrad-const', shader: 'winograd4_filter_grad', what: 'G^T constant 1/24 -> 1/12 in row 0', find: 'x[0] / 4.0 - a / 6.0 + b / 24.0,', replace: 'x[0] / 4.0 - a / 6.0 + b / 12.0,', families: ['winograd'] },
  { id: 'wino4-filtergrad-sign', shader: 'winograd4_filter_grad', what: 'G^T row 1 sign flip', find: '(x[2] - x[1]) / 6.0 + (x[3] - x[4]) / 12.0,', replace: '(x[1] - x[2]) / 6.0 + (x[3] - x[4]) / 12.0,', families: ['winograd'] },
  { id: 'wino4-filtergrad-last', shader: 'winograd4_filter_grad', what: 'G^T row 2 without the point at infinity (x[5])', find: '(b - a) / 6.0 + x[5],', replace: '(b - a) / 6.0,', families: ['winograd'] },
  { id: 'wino-gemmat-block-end', shader: 'winograd_gemm_at', what: 'summed block one tile short (F(4x4) blocks of 32)', find: 'let te = select(t1, tb + SUM_BLOCK, t1 - tb > SUM_BLOCK);', replace: 'let te = select(t1, tb + SUM_BLOCK - 1u, t1 - tb > SUM_BLOCK);', families: ['winograd'] },
  { id: 'wino-gemmat-block-add', shader: 'winograd_gemm_at', what: "a block's last accumulator not added", find: 'for (var r = 0u; r < 8u; r++) { acc[r] += blk[r]; }', replace: 'for (var r = 0u; r < 7u; r++) { acc[r] += blk[r]; }', families: ['winograd'] },
  { id: 'wino-gemmat-block-reset', shader: 'winograd_gemm_at', what: 'block sums declared once before the loop, never reset (every block re-adds the earlier ones)', find: '    for (var tb = t0; tb < t1; tb += min(SUM_BLOCK, t1 - tb)) {\n      let te = select(t1, tb + SUM_BLOCK, t1 - tb > SUM_BLOCK);\n      var blk = array<vec4<f32>, 8>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));\n', replace: '    var blk = array<vec4<f32>, 8>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));\n    for (var tb = t0; tb < t1; tb += min(SUM_BLOCK, t1 - tb)) {\n      let te = select(t1, tb + SUM_BLOCK, t1 - tb > SUM_BLOCK);\n', families: ['winograd'] },
  // fused epilogue (included by every conv forward kernel)
  { id: 'epi-relu-min', shader: 'include/epilogue', what: 'ReLU as min (vec4 path)', find: 'var r = select(v, max(v, vec4<f32>(0.0)), e.relu);', replace: 'var r = select(v, min(v, vec4<f32>(0.0)), e.relu);', families: ['epilogue', 'conv', 'winograd'] },
  { id: 'epi-affine-shift', shader: 'include/epilogue', what: 'scalar path adds the scale instead of the shift', find: 'r = r * affine[o] + affine[O + o];', replace: 'r = r * affine[o] + affine[o];', families: ['epilogue', 'conv', 'winograd'] },
  { id: 'epi-affine-channel', shader: 'include/epilogue', what: 'off-by-one channel of the affine (vec4 path)', find: 'let oc = min(o + k, O - 1u);', replace: 'let oc = min(o + k + 1u, O - 1u);', families: ['epilogue', 'conv', 'winograd'] },
  { id: 'epi-leaky-swap', shader: 'include/epilogue', what: 'LeakyReLU slope on the positive side (vec4 path)', find: 'return select(r, select(r * p.alpha, r, r > vec4<f32>(0.0)), e.leaky);', replace: 'return select(r, select(r, r * p.alpha, r > vec4<f32>(0.0)), e.leaky);', families: ['epilogue', 'conv', 'winograd'] },
  { id: 'epi-affine4-shift', shader: 'include/epilogue', what: 'vec4 path adds the scale instead of the shift', find: 'r = select(r, r * e.scale + e.shift, e.affine);', replace: 'r = select(r, r * e.scale + e.scale, e.affine);', families: ['epilogue', 'conv', 'winograd'] },
  { id: 'epi-flag-bits', shader: 'include/epilogue', what: "vec4 path reads ReLU's flag from the affine's bit", find: 'var e = Epilogue((p.epi & 1u) != 0u,', replace: 'var e = Epilogue((p.epi & 2u) != 0u,', families: ['epilogue', 'conv', 'winograd'] },
  { id: 'bn-affine-eps', shader: 'batchnorm_apply', what: "inference affine without epsilon", find: 'let scale = gamma[c] / sqrt(runningVar[c] + p.epsilon);', replace: 'let scale = gamma[c] / sqrt(runningVar[c]);', families: ['nn', 'epilogue', 'extra'] },
  { id: 'bn-relu-mask-ge', shader: 'batchnorm_apply', what: "ReLU mask in BatchNorm's backward passes x == 0 (the clipped outputs)", find: 'if (RELU_MASK == 1u) { v = select(0.0, v, x[i] > 0.0); }', replace: 'if (RELU_MASK == 1u) { v = select(0.0, v, x[i] >= 0.0); }', families: ['epilogue'] },
  { id: 'bn-relu-mask-dropped', shader: 'batchnorm_apply', what: "ReLU mask in BatchNorm's backward dropped", find: 'if (RELU_MASK == 1u) { v = select(0.0, v, x[i] > 0.0); }', replace: '', families: ['epilogue'] },
  // augmentation
  { id: 'aug-matrix-swap', shader: 'augment_spatial', what: 'matrix entries of x swapped (a shear)', find: 'let sx = clamp(params[q] * px + params[q + 1u] * py + params[q + 2u], -lim, lim);', replace: 'let sx = clamp(params[q + 1u] * px + params[q] * py + params[q + 2u], -lim, lim);', families: ['augment'] },
  { id: 'aug-tap-bound', shader: 'augment_spatial', what: 'dropped right-edge bounds check of a bilinear tap', find: 'if (x < 0 || y < 0 || x >= i32(p.width) || y >= i32(p.height)) { return 0.0; }', replace: 'if (x < 0 || y < 0 || y >= i32(p.height)) { return 0.0; }', families: ['augment'] },
  { id: 'aug-elastic-corner', shader: 'augment_spatial', what: 'elastic interpolation takes the wrong corner', find: 'control(q, i0, j0 + 1u, k) * fx * (1.0 - fy)', replace: 'control(q, i0 + 1u, j0, k) * fx * (1.0 - fy)', families: ['augment'] },
  { id: 'aug-blur-weights', shader: 'augment_intensity', what: 'blur kernel (1 2 1)/4 -> (2 1 1)/4', find: 'let w = array<f32, 3>(0.25, 0.5, 0.25);', replace: 'let w = array<f32, 3>(0.5, 0.25, 0.25);', families: ['augment'] },
  { id: 'aug-blur-clamp', shader: 'augment_intensity', what: 'off-by-one edge clamp of the blur', find: 'let cx = u32(clamp(x, 0, i32(p.width) - 1));', replace: 'let cx = u32(clamp(x, 0, i32(p.width)));', families: ['augment'] },
  { id: 'aug-brightness-sign', shader: 'augment_intensity', what: 'brightness subtracted', find: 'v = v * params[q + 10u] + params[q + 11u];', replace: 'v = v * params[q + 10u] - params[q + 11u];', families: ['augment'] },
  // loss
  { id: 'loss-focal-sign', shader: 'focal_dice_loss', what: 'focal term sign flip', find: 'focal -= p.alpha * powNonNeg(oneMinus(s, label), p.gamma) * logq;', replace: 'focal += p.alpha * powNonNeg(oneMinus(s, label), p.gamma) * logq;', families: ['nn'] },
  { id: 'loss-chunk-end', shader: 'focal_dice_loss', what: 'dropped pixel bound of the last chunk', find: 'let end = min(start + p.chunk, p.pixels);', replace: 'let end = start + p.chunk;', families: ['nn'] },
  { id: 'loss-softmax-max', shader: 'focal_dice_loss', what: 'running max over one class fewer', find: 'for (var k = 1u; k < p.c; k++) { m = max(m, logits[base + k]); }', replace: 'for (var k = 1u; k + 1u < p.c; k++) { m = max(m, logits[base + k]); }', families: ['nn'], equivalent: 'softmax is invariant to the shift m; m only guards exp() against overflow, and the checks draw logits far below exp overflow (|logit| < 88)' },
  // Adam and its schedule
  { id: 'adam-bias-sqrt', shader: 'adam', what: 'bias correction without the square root', find: 'sched[2] = lr * sqrt(1.0 - b2t) / (1.0 - b1t);', replace: 'sched[2] = lr * (1.0 - b2t) / (1.0 - b1t);', families: ['nn', 'schedule'] },
  { id: 'adam-denominator', shader: 'adam', what: 'v instead of sqrt(v) in the denominator', find: 'param[i] = param[i] - schedule[2] * mi / (sqrt(vi) + p.epsilon);', replace: 'param[i] = param[i] - schedule[2] * mi / (vi + p.epsilon);', families: ['nn', 'schedule'] },
  { id: 'adam-second-moment', shader: 'adam', what: 'second moment of g instead of g^2', find: 'let vi = v[i] + (g * g - v[i]) * p.oneMinusBeta2;', replace: 'let vi = v[i] + (g - v[i]) * p.oneMinusBeta2;', families: ['nn', 'schedule'] },
  { id: 'adam-poly-exponent', shader: 'adam', what: 'poly decay exponent 0.9 -> 0.8', find: 'p.lr * pow(rest, 0.9)', replace: 'p.lr * pow(rest, 0.8)', families: ['nn', 'schedule'] },
  // metrics
  { id: 'confusion-invalid', shader: 'confusion_matrix', what: 'off-by-one invalid-label test (t > C)', find: 'bad += select(0u, 1u, t >= C || q >= C);', replace: 'bad += select(0u, 1u, t > C || q >= C);', families: ['metrics', 'extra'] },
  { id: 'confusion-chunk-end', shader: 'confusion_matrix', what: 'dropped pixel bound of the last chunk', find: 'let end = min(start + p.chunk, p.pixels);', replace: 'let end = start + p.chunk;', families: ['metrics'] },
  { id: 'edt-parabola', shader: 'edt_envelope', what: 'off-by-one in the parabola intersection', find: 'var s = ((fq - fTop) / (s2 * f32(q - vTop)) + f32(q + vTop)) * 0.5;', replace: 'var s = ((fq - fTop) / (s2 * f32(q - vTop)) + f32(q + vTop + 1)) * 0.5;', families: ['metrics'] },
  { id: 'surface-edge', shader: 'surface_gather', what: 'dropped right-edge test of a surface pixel', find: 'if (h == 0u || h + 1u == p.H || w == 0u || w + 1u == p.W) { return true; }', replace: 'if (h == 0u || h + 1u == p.H || w == 0u) { return true; }', families: ['metrics', 'extra'] },
];

// ---------------------------------------------------------------- child: one mutant through its checks
async function child(id: string, families: Family[]): Promise<void> {
  const { initGpu } = await import('../src/runtime/gpu.ts');
  const { registerShaderSources } = await import('../src/runtime/shaders.ts');
  await initGpu();
  const m = MUTANTS.find((x) => x.id === id);
  if (m) {
    const text = readFileSync(join(root, 'shaders', `${m.shader}.wgsl`), 'utf8');
    registerShaderSources({ [m.shader]: text.replace(m.find, m.replace) });
  }
  for (const f of families) {
    const checks = f === 'extra' ? (await import('./mutate-wgsl-checks.ts')).checks : (await import(`../src/checks/${f}.ts`)).checks;
    for (const c of checks as { name: string; slow?: boolean; run(): Promise<{ pass: boolean; detail: string }> }[]) {
      if (c.slow) continue;
      let r: { pass: boolean; detail: string };
      try {
        r = await c.run();
      } catch (e) {
        r = { pass: false, detail: `threw: ${(e as Error).message.split('\n')[0]}` };
      }
      if (!r.pass) {
        console.log(`RESULT ${JSON.stringify({ killed: true, by: c.name, detail: r.detail.slice(0, 200) })}`);
        process.exit(0);
      }
    }
  }
  console.log(`RESULT ${JSON.stringify({ killed: false })}`);
  process.exit(0);
}

// ---------------------------------------------------------------- parent: every mutant, then the table
interface Outcome { m: Mutant; status: 'killed' | 'survived' | 'equivalent' | 'unobservable'; by: string; seconds: number }

function runChild(id: string, families: Family[]): { killed: boolean; by?: string; detail?: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', id, families.join(',')], { cwd: root, encoding: 'utf8', timeout: 600_000, env: { ...process.env, SPINESEG_TUNE_DIR: 'off' } });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) return { killed: true, by: `process exit ${r.status ?? r.signal}`, detail: (r.stderr ?? '').trim().split('\n').slice(-1)[0] };
  return JSON.parse(line.slice(7));
}

async function parent(args: string[]): Promise<void> {
  const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : null;
  const md = args.includes('--md') ? args[args.indexOf('--md') + 1]! : null;
  const chosen = MUTANTS.filter((m) => !only || only.has(m.id));
  for (const m of chosen) {
    const text = readFileSync(join(root, 'shaders', `${m.shader}.wgsl`), 'utf8');
    const n = text.split(m.find).length - 1;
    if (n !== 1) throw new Error(`mutant ${m.id}: '${m.find}' occurs ${n} times in shaders/${m.shader}.wgsl (want exactly 1)`);
  }
  const allFamilies = [...new Set(chosen.flatMap((m) => m.families))];
  const base = runChild('baseline', allFamilies);
  if (base.killed) throw new Error(`the unmutated shaders fail ${base.by}: ${base.detail}; fix that first`);
  const out: Outcome[] = [];
  for (const m of chosen) {
    const t0 = performance.now();
    const r = runChild(m.id, m.families);
    const status = r.killed ? 'killed' : m.equivalent ? 'equivalent' : m.unobservable ? 'unobservable' : 'survived';
    const o: Outcome = { m, status, by: r.killed ? `${r.by}${r.detail ? ` (${r.detail})` : ''}` : (m.equivalent ?? m.unobservable ?? ''), seconds: (performance.now() - t0) / 1000 };
    out.push(o);
    console.log(`${status.toUpperCase().padEnd(10)} ${m.id.padEnd(24)} ${m.shader}.wgsl: ${m.what}${r.killed ? ` <- ${r.by}` : ''}`);
  }
  const count = (s: Outcome['status']) => out.filter((o) => o.status === s).length;
  const summary = `${out.length} WGSL mutants: ${count('killed')} killed, ${count('survived')} survived, ${count('equivalent')} equivalent, ${count('unobservable')} unobservable on this adapter`;
  console.log(`\n${summary}`);
  if (md) {
    const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    const rows = out.map((o) => `| ${o.m.id} | ${o.m.shader}.wgsl | ${esc(o.m.what)} | ${o.status} | ${esc(o.status === 'killed' ? o.by.slice(0, 160) : o.by)} |`);
    writeFileSync(md, `${summary} (\`npx tsx scripts/mutate-wgsl.ts\`).\n\n| mutant | shader | mutation | result | killed by / why equivalent |\n|---|---|---|---|---|\n${rows.join('\n')}\n`);
  }
  process.exit(count('survived') ? 1 : 0);
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') await child(argv[1]!, argv[2]!.split(',') as Family[]);
else await parent(argv);
