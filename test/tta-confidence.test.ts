// Test-time augmentation, ensembles and the confidence signal (src/model/predict.ts, src/app/confidence.ts):
//  - an ensemble of two identical networks equals one network, and its confidence is the maximum (unanimous);
//  - on a flip-symmetric image, a flip-equivariant network's flip TTA equals no TTA (and an asymmetric one's does
//    not, so the comparison can fail);
//  - flip TTA is the mean of the prediction and the mirrored prediction of the mirrored image, computed by hand;
//  - the zoom views undo each other in the interior; the agreement is pixels-in-all over pixels-in-any;
//  - Spearman's rank correlation and the validation threshold on hand-made values.
import { describe, it, expect } from 'vitest';
import { Tensor } from '../src/graph/tensor.ts';
import { conv2d } from '../src/graph/conv.ts';
import { relu } from '../src/graph/ops.ts';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { modelProbabilities, flipColumns, zoomPlanes, sliceConfidence, predictSlices, ttaViews, type SegmentationNet, type SliceConfidence } from '../src/model/predict.ts';
import { sliceScore, spearman, chooseThreshold, readConfidenceBlock, sliceFlag } from '../src/app/confidence.ts';
import { segment, sliceInput, joinedDisagreement } from '../src/app/segment.ts';
import { levelAgreement } from '../src/app/levels-table.ts';
import type { LevelLabelling } from '../src/app/levels.ts';
import { groupCheckpointFiles, inferenceTta, parseEnsembleManifest } from '../src/app/ensemble.ts';
import { Rng } from '../src/util/random.ts';

const W = 24;
const H = 32;
const C = 4;

/** Two 3x3 convolutions (ReLU between) to 4 class logits; mirror-symmetric kernels make it flip-equivariant. */
function convNet(seed: number, symmetric: boolean): SegmentationNet & { dispose(): void } {
  const rng = new Rng(seed);
  const kernel = (cin: number, cout: number) => {
    const w = new Float32Array(9 * cin * cout).map(() => rng.normal() * 0.5);
    if (symmetric) {
      // HWIO: mirror the column index kx -> 2 - kx
      for (let ky = 0; ky < 3; ky++) for (let i = 0; i < cin * cout; i++) {
        const a = (ky * 3 + 0) * cin * cout + i;
        const b = (ky * 3 + 2) * cin * cout + i;
        w[a] = w[b] = (w[a]! + w[b]!) / 2;
      }
    }
    return Tensor.fromData(w, [3, 3, cin, cout]);
  };
  const w1 = kernel(1, 6);
  const w2 = kernel(6, C);
  const b2 = Tensor.fromData(Float32Array.from({ length: C }, () => rng.normal() * 0.1), [C]);
  return {
    config: { width: W, height: H, classes: C },
    forward: (x: Tensor) => conv2d(relu(conv2d(x, w1, null)), w2, b2),
    dispose: () => [w1, w2, b2].forEach((t) => t.dispose()),
  };
}

/** A smooth image with structure on both sides, mirror-averaged when `symmetric`. */
function image(seed: number, symmetric: boolean): Float32Array {
  const rng = new Rng(seed);
  const bumps = Array.from({ length: 6 }, () => [rng.next() * W, rng.next() * H, 2 + rng.next() * 5] as const);
  const img = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) img[y * W + x] = bumps.reduce((s, [bx, by, r]) => s + Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (2 * r * r)), 0);
  return symmetric ? flipColumns(img, 1, H, W, 1).map((v, i) => (v + img[i]!) / 2) : img;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('test-time augmentation', () => {
  it('views: none is one view, flip adds the anterior-posterior mirror, full adds zooms 0.9 and 1.1', () => {
    expect(ttaViews('none')).toEqual([{ flip: false, zoom: 1 }]);
    expect(ttaViews('flip')).toEqual([{ flip: false, zoom: 1 }, { flip: true, zoom: 1 }]);
    expect(ttaViews('full').map((v) => `${v.flip ? 'f' : '-'}${v.zoom}`)).toEqual(['-1', 'f1', '-0.9', 'f0.9', '-1.1', 'f1.1']);
  });

  it('on a flip-symmetric image, a flip-equivariant network gives the same probabilities with flip TTA as without', async () => {
    const net = convNet(3, true);
    const asym = convNet(3, false);
    try {
      const x = image(5, true);
      const none = await modelProbabilities([net], x, 1, 'none');
      const flip = await modelProbabilities([net], x, 1, 'flip');
      expect(maxDiff(none, flip), 'symmetric network, symmetric image: flip TTA changes nothing').toBeLessThan(1e-5);
      // the same comparison does tell an asymmetric network apart
      const aNone = await modelProbabilities([asym], x, 1, 'none');
      const aFlip = await modelProbabilities([asym], x, 1, 'flip');
      expect(maxDiff(aNone, aFlip), 'asymmetric network: flip TTA changes the probabilities').toBeGreaterThan(1e-3);
    } finally {
      net.dispose();
      asym.dispose();
    }
  });

  it('flip TTA is the mean of f(x) and mirror(f(mirror(x))), and a unanimous ensemble of identical networks equals one network', async () => {
    const net = convNet(7, false);
    try {
      const x = new Float32Array(2 * W * H);
      x.set(image(1, false), 0);
      x.set(image(2, false), W * H);
      const plain = await modelProbabilities([net], x, 2, 'none');
      const mirrored = flipColumns(await modelProbabilities([net], flipColumns(x, 2, H, W, 1), 2, 'none'), 2, H, W, C);
      const want = plain.map((v, i) => (v + mirrored[i]!) / 2);
      expect(maxDiff(await modelProbabilities([net], x, 2, 'flip'), want)).toBeLessThan(1e-6);

      const two = await modelProbabilities([net, net], x, 2, 'none', true);
      expect(maxDiff(two.probabilities, plain), 'two identical members average to one').toBeLessThan(1e-7);
      const conf = sliceConfidence(two.probabilities, two.votes, 0, W * H, C);
      expect(conf.members).toBe(2);
      expect(conf.agreement).toEqual([1, 1, 1, 1]);
      expect(sliceScore(conf), 'a unanimous ensemble has the maximum confidence').toBe(1);
      // and through the application layer: the same labels, the same counts
      const slices = [{ image: image(1, false), width: W, height: H, name: 'a' }];
      const one = await segment(net, sliceInput(slices), { batchSize: 1 });
      const ens = await segment([net, net], sliceInput(slices), { batchSize: 1 });
      expect(Array.from(ens.labels[0]!)).toEqual(Array.from(one.labels[0]!));
      expect(ens.confidence![0]!.members).toBe(2);
    } finally {
      net.dispose();
    }
  });

  it('an ensemble with flip views scores what its networks score alone: the threshold means the same for one network and for the folds', async () => {
    const a = convNet(11, false);
    const b = convNet(12, false);
    try {
      const x = image(4, false);
      const conf = async (nets: SegmentationNet[]) => {
        const r = await modelProbabilities(nets, x, 1, 'flip', true);
        return sliceConfidence(r.probabilities, r.votes, 0, W * H, C);
      };
      const one = await conf([a]);
      const two = await conf([a, a]);
      expect(one.networks).toBeUndefined();
      expect(two.networks).toBe(2);
      expect(two.members).toBe(4);
      for (let c = 0; c < C; c++) expect(two.agreement[c], `class ${c}`).toBeCloseTo(one.agreement[c]!, 12);
      expect(one.agreement.some((v) => v < 1), 'the asymmetric network disagrees with its own mirror somewhere').toBe(true);
      // two different networks: the mean of their own agreements, not the unanimity of all four members
      const own = await conf([b]);
      const mixed = await conf([a, b]);
      for (let c = 0; c < C; c++) expect(mixed.agreement[c], `class ${c}`).toBeCloseTo((one.agreement[c]! + own.agreement[c]!) / 2, 12);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('members that disagree lower the agreement of the classes they disagree on to |all| / |any|', async () => {
    // two fake networks: everything background, except a vertical band labelled vertebrae (1) by both, and a band
    // labelled canal (2) by the first only
    const band = (canal: boolean): SegmentationNet => ({
      config: { width: W, height: H, classes: C },
      forward: () => {
        const logits = new Float32Array(H * W * C);
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
          const c = x < 4 ? 1 : canal && x >= 10 && x < 13 ? 2 : 0;
          logits[(y * W + x) * C + c] = 5;
        }
        return Tensor.fromData(logits, [1, H, W, C]);
      },
    });
    const { probabilities, votes } = await modelProbabilities([band(true), band(false)], new Float32Array(W * H), 1, 'none', true);
    const conf = sliceConfidence(probabilities, votes, 0, W * H, C);
    expect(conf.agreement[1], 'vertebrae: unanimous').toBe(1);
    expect(conf.agreement[2], 'canal: one member of two, so nothing is in all').toBe(0);
    expect(conf.agreement[3], 'discs: no member, nothing to disagree on').toBe(1);
    // background: any = every pixel, all = the pixels neither labels foreground
    expect(conf.agreement[0]).toBeCloseTo((W * H - 4 * H - 3 * H) / (W * H - 4 * H), 10);
    expect(sliceScore(conf)).toBe(0);
    // the vertebrae pixels' averaged probabilities are both members' own: softmax of (5, 0, 0, 0)
    const p1 = Math.exp(5) / (Math.exp(5) + 3);
    const q = 1 / (Math.exp(5) + 3);
    expect(conf.entropy[1]).toBeCloseTo(-(p1 * Math.log(p1) + 3 * q * Math.log(q)) / Math.log(4), 5);
    expect(conf.pixels[1]).toBe(4 * H);
  });

  it('zooming by s and then by 1/s gives the image back in the interior', () => {
    const x = Float32Array.from({ length: W * H }, (_, i) => Math.sin((2 * Math.PI * (i % W)) / W) * Math.cos((2 * Math.PI * Math.floor(i / W)) / H));
    for (const s of [0.9, 1.1]) {
      const back = zoomPlanes(zoomPlanes(x, 1, H, W, 1, s, 'clamp'), 1, H, W, 1, 1 / s, 'clamp');
      let worst = 0;
      for (let y = 6; y < H - 6; y++) for (let c = 6; c < W - 6; c++) worst = Math.max(worst, Math.abs(back[y * W + c]! - x[y * W + c]!));
      expect(worst, `zoom ${s} and back`).toBeLessThan(0.03);
    }
    expect(maxDiff(zoomPlanes(image(4, false), 1, H, W, 1, 1, 'zero'), image(4, false)), 'zoom 1 is the identity').toBe(0);
    // zooming in by 2 about the centre: the output at distance d from the centre is the input at d / 2
    const ramp = Float32Array.from({ length: W * H }, (_, i) => i % W);
    const z = zoomPlanes(ramp, 1, H, W, 1, 2, 'zero');
    const cx = (W - 1) / 2;
    expect(z[5 * W + 3]).toBeCloseTo(cx + (3 - cx) / 2, 5);
  });

  it('predictSlices reports one confidence per slice; a single network without TTA is unanimous with itself', async () => {
    const net = convNet(11, false);
    try {
      const seen: SliceConfidence[] = [];
      const slices = [0, 1, 2].map((k) => ({ image: image(k, false), width: W, height: H }));
      await predictSlices(net, slices, 2, undefined, 'probabilities', undefined, { onSliceConfidence: (k, c) => (seen[k] = c) });
      expect(seen.length).toBe(3);
      seen.forEach((c) => expect(c.members).toBe(1));
      seen.forEach((c) => expect(sliceScore(c)).toBe(1));
      const flipped: SliceConfidence[] = [];
      await predictSlices(net, slices, 2, undefined, 'probabilities', undefined, { tta: 'flip', onSliceConfidence: (k, c) => (flipped[k] = c) });
      flipped.forEach((c) => expect(c.members).toBe(2));
      expect(Math.min(...flipped.map(sliceScore)), 'an asymmetric network disagrees with its mirror somewhere').toBeLessThan(1);
    } finally {
      net.dispose();
    }
  });
});

describe('confidence per level', () => {
  it('the band members: disagreement exactly where they differ; a level agrees on its undisputed fraction', async () => {
    // the two band networks of the test above: the canal band (columns 10-12) is disputed, nothing else
    const band = (canal: boolean): SegmentationNet => ({
      config: { width: W, height: H, classes: C },
      forward: (x: Tensor) => {
        const n = x.shape[0]!;
        const logits = new Float32Array(n * H * W * C);
        for (let b = 0; b < n; b++) for (let y = 0; y < H; y++) for (let c = 0; c < W; c++) {
          const k = c < 4 ? 1 : canal && c >= 10 && c < 13 ? 2 : 0;
          logits[((b * H + y) * W + c) * C + k] = 5;
        }
        return Tensor.fromData(logits, [n, H, W, C]);
      },
    });
    const contested: Uint8Array[] = [];
    // the slice is the network's own size, so the nearest-neighbour map back is the identity
    await predictSlices([band(true), band(false)], [{ image: new Float32Array(W * H), width: W, height: H }], 1, undefined, 'probabilities', undefined, { onSliceDisagreement: (k, m) => (contested[k] = m) });
    expect(contested.length).toBe(1);
    for (let y = 0; y < H; y++) for (let c = 0; c < W; c++) expect(contested[0]![y * W + c], `pixel (${y}, ${c})`).toBe(c >= 10 && c < 13 ? 1 : 0);
    // a labelling over the same grid: an 'L5' (code 1) covering columns 0-11, a canal (100) covering 12-15
    const codes = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let c = 0; c < 16; c++) codes[y * W + c] = c < 12 ? 1 : 100;
    const lab = { codes, levels: [{ code: 1, kind: 'vertebra' }, { code: 100, kind: 'canal' }, { code: 201, kind: 'disc' }] } as unknown as LevelLabelling;
    const agreement = levelAgreement(lab, contested[0]!);
    expect(agreement.get(1), 'L5: columns 10 and 11 of 12 disputed').toBeCloseTo(10 / 12, 12);
    expect(agreement.get(100), 'canal: column 12 of 4 disputed').toBeCloseTo(3 / 4, 12);
    expect(agreement.get(201), 'a level without voxels has nothing to dispute').toBe(1);
    expect(() => levelAgreement(lab, new Uint8Array(3))).toThrow(/3 agreement values for 768 voxels/);
  });

  it('one network, or an ensemble of identical ones, disputes nothing: every level of a segmented slice agrees fully', async () => {
    const net = convNet(12, false);
    try {
      const slice = { image: image(5, false), width: 37, height: 29, name: 'odd.png' };
      for (const nets of [net, [net, net]]) {
        const seg = await segment(nets, sliceInput([slice]), { batchSize: 1 });
        const contested = joinedDisagreement(seg)!;
        expect(contested.length).toBe(37 * 29);
        expect(contested.every((v) => v === 0), Array.isArray(nets) ? 'two identical networks' : 'one network').toBe(true);
      }
      // an asymmetric network against its own mirror (flip TTA) disputes some pixels
      const flipped = await segment(net, sliceInput([slice]), { batchSize: 1, tta: 'flip' });
      expect(joinedDisagreement(flipped)!.some((v) => v === 1)).toBe(true);
    } finally {
      net.dispose();
    }
  });
});

describe('confidence ranking and threshold', () => {
  it("Spearman's rho: 1 for the same order, -1 reversed, ties averaged, NaN for a constant side", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks x: 1, 2.5, 2.5, 4; y: 1, 2, 3, 4 -> Pearson of the ranks
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9486832980505138, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('the threshold flags the lowest-scoring tenth of validation slices and reports how well it ranks Dice', () => {
    const scores = Array.from({ length: 20 }, (_, i) => i / 20);
    const dice = scores.map((s) => 0.5 + s / 2);
    const t = chooseThreshold(scores, dice, 0.1);
    expect(t.threshold).toBe(0.1);
    expect(t.flagged).toBe(2);
    expect(t.spearman).toBeCloseTo(1, 12);
    expect(t.worstFlagged).toBe(1);
    expect(t.flaggedMeanDice).toBeLessThan(t.otherMeanDice);
    // all scores tied at 1 (a single network): nothing is flagged
    expect(chooseThreshold([1, 1, 1], [0.9, 0.8, 0.7]).flagged).toBe(0);
  });

  it('a checkpoint confidence block is read and checked, naming a bad field; slices below it are flagged', () => {
    const block = { threshold: 0.8, tta: 'flip', members: 10, spearman: 0.5, slices: 60, quantile: 0.1 };
    expect(readConfidenceBlock({ confidence: block }, 'config.json')).toEqual(block);
    expect(readConfidenceBlock({}, 'config.json')).toBeNull();
    expect(() => readConfidenceBlock({ confidence: { ...block, threshold: 'x' } }, 'cv/config.json')).toThrow(/cv\/config\.json: confidence\.threshold = "x": expected a number/);
    expect(() => readConfidenceBlock({ confidence: { ...block, threshold: 2 } }, 'config.json')).toThrow(/confidence\.threshold = 2/);
    const low: SliceConfidence = { members: 2, agreement: [1, 0.9, 0.7, 1], entropy: [0, 0, 0, 0], pixels: [1, 1, 1, 0] };
    expect(sliceFlag(low, block)).toEqual({ score: 0.7, threshold: 0.8, low: true });
    expect(sliceFlag(low, null).low).toBe(false);
  });
});

describe('a folder of folds as one model (ensemble.json)', () => {
  it('is checked field by field, groups dropped files by folder, and reads the recorded TTA', () => {
    const manifest = { format: 'spineseg-ensemble', version: 1, members: ['fold-1/checkpoint-best', 'fold-2/checkpoint-best'] };
    expect(parseEnsembleManifest(manifest, 'cv/ensemble.json').members.length).toBe(2);
    expect(() => parseEnsembleManifest({ ...manifest, members: [] }, 'cv/ensemble.json')).toThrow(/cv\/ensemble\.json: members = \[\]: expected a non-empty list/);
    expect(() => parseEnsembleManifest({ ...manifest, members: ['../x'] }, 'e.json')).toThrow(/members entry "\.\.\/x": must be a folder inside/);
    expect(() => parseEnsembleManifest({ ...manifest, format: 'x' }, 'e.json')).toThrow(/format = "x"/);
    const f = (name: string) => ({ name });
    const files = ['cv/ensemble.json', 'cv/fold-1/checkpoint-best/config.json', 'cv/fold-1/checkpoint-best/model.safetensors', 'cv/fold-1/checkpoint-last/config.json', 'cv/fold-1/checkpoint-last/model.safetensors', 'cv/fold-2/checkpoint-best/config.json', 'cv/fold-2/checkpoint-best/model.safetensors'].map(f);
    // without the manifest every complete folder is a member; with it, only the folders it lists
    expect(groupCheckpointFiles(files).members.map((m) => m.dir)).toEqual(['cv/fold-1/checkpoint-best', 'cv/fold-1/checkpoint-last', 'cv/fold-2/checkpoint-best']);
    const listed = groupCheckpointFiles(files, { dir: 'cv', parsed: parseEnsembleManifest(manifest, 'cv/ensemble.json') });
    expect(listed.members.map((m) => m.dir)).toEqual(['cv/fold-1/checkpoint-best', 'cv/fold-2/checkpoint-best']);
    expect(listed.manifestFile?.name).toBe('cv/ensemble.json');
    expect(groupCheckpointFiles(files.slice(0, 2), { dir: 'cv', parsed: manifest as never }).missing).toMatch(/fold-1\/checkpoint-best \(listed by ensemble\.json\)|fold-2/);
    expect(groupCheckpointFiles([f('config.json')]).missing).toBe('model.safetensors');
    expect(groupCheckpointFiles([f('config.json'), f('model.safetensors')]).members.length).toBe(1);
    expect(inferenceTta({ inference: { tta: 'flip' } }, 'c.json')).toBe('flip');
    expect(inferenceTta({}, 'c.json')).toBe('none');
    expect(() => inferenceTta({ inference: { tta: 'mirror' } }, 'cv/fold-1/config.json')).toThrow(/cv\/fold-1\/config\.json: inference\.tta = "mirror": expected one of none, flip, full/);
  });
});
