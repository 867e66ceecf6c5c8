// Second round against Stryker's survivors in src/metrics (docs/MUTATION.md): a batch scores each case as if
// it were alone (grouping keys, per-class distance lists, tau), error renaming past image 9, Table 2's text
// for +inf and several left-out rows, the volume branch of readLabelImage.
import { describe, it, expect } from 'vitest';
import { evaluateCases, summarize, formatTable2, type EvalCase } from '../src/metrics/evaluate.ts';
import { readLabelImage } from '../src/metrics/label-files.ts';

// 1x3x4 label maps with all four classes; pred differs from truth at a few pixels
const truth = [1, 1, 0, 2, 1, 0, 3, 3, 0, 2, 2, 3];
const pred = [1, 0, 0, 2, 1, 1, 3, 0, 0, 2, 3, 3];

const pick = (r: Awaited<ReturnType<typeof evaluateCases>>[number]) => r.classes.map((c) => ({ cls: c.cls, dice: c.dice, asd: c.asd, hd95: c.hd95, nsd: c.nsd }));

describe('evaluateCases: a batch scores each case as if it were alone', () => {
  it('4 classes, two cases in one batch, cases whose dims or spacing join to the same digits', async () => {
    const cases: EvalCase[] = [
      { name: 'same', pred: truth, truth, dims: [1, 3, 4], spacing: [1, 1, 12] },
      { name: 'off', pred, truth, dims: [1, 3, 4], spacing: [1, 1, 12] },
      { name: 'spacingJoin', pred, truth, dims: [1, 3, 4], spacing: [1, 11, 2] },
      { name: 'dimsA', pred: [...pred, ...pred], truth: [...truth, ...truth], dims: [1, 2, 12], spacing: [1, 1, 1] },
      { name: 'dimsB', pred: [...pred, ...pred].concat(new Array(18).fill(0)), truth: [...truth, ...truth].concat(new Array(18).fill(0)), dims: [1, 21, 2], spacing: [1, 1, 1] },
    ];
    const together = await evaluateCases(cases);
    for (let i = 0; i < cases.length; i++) {
      const alone = await evaluateCases([cases[i]!]);
      expect(pick(together[i]!), `case ${cases[i]!.name} in the batch vs alone`).toEqual(pick(alone[0]!));
      expect(together[i]!.dims, `case ${cases[i]!.name} dims`).toEqual([...cases[i]!.dims]);
      expect(together[i]!.spacing, `case ${cases[i]!.name} spacing`).toEqual([...cases[i]!.spacing]);
    }
    expect(together[0]!.classes.map((c) => c.asd), 'identical case: ASD 0 for every class').toEqual([0, 0, 0]);
    expect(together[1]!.classes.some((c) => c.asd! > 0), 'the differing case has a distance').toBe(true);
  });
  it('tauMm is used: a 1 mm error is within tau 1 and outside tau 0.5', async () => {
    const c: EvalCase = { name: 't', pred, truth, dims: [1, 3, 4], spacing: [1, 1, 1] };
    const [t1] = await evaluateCases([c], { tauMm: 1 });
    const [t05] = await evaluateCases([c], { tauMm: 0.5 });
    const vert1 = t1!.classes[0]!;
    const vert05 = t05!.classes[0]!;
    expect(vert1.hd95! > 0, 'vertebrae have a surface error').toBe(true);
    expect(vert05.nsd!, 'tau 0.5 counts fewer voxels within than tau 1').toBeLessThan(vert1.nsd!);
  });
  it('the bad label of the 11th case of a batch is named by its case (image 10, two digits)', async () => {
    // names that do not spell one another: image 1's name followed by a stray "0" is not image 10's
    const cases: EvalCase[] = Array.from({ length: 11 }, (_, i) => ({ name: `c${i}x`, pred: i === 10 ? [9, ...truth.slice(1)] : truth, truth, dims: [1, 3, 4] as const, spacing: [1, 1, 1] as const }));
    await expect(evaluateCases(cases)).rejects.toThrow(/^confusionMatrix: case c10x has 1 voxels with a label >= 4/);
  });
  it('a class without a name is "class <c>"', async () => {
    const [r] = await evaluateCases([{ name: 'n', pred: [0, 1, 2], truth: [0, 1, 2], dims: [1, 1, 3], spacing: [1, 1, 1] }], { numClasses: 3, classNames: ['bg', 'one'] });
    expect(r!.classes.map((c) => c.name)).toEqual(['one', 'class 2']);
  });
});

describe('formatTable2: infinities and the note', () => {
  it('+Infinity is "inf"; two left-out rows are listed with a comma', () => {
    const row = (name: string, asd: number) => ({ cls: 1, name, iou: 1, dice: 1, precision: 1, recall: 1, f1: 1, tp: 1, fp: 0, fn: 0, asd, hd95: asd, nsd: 1, nsdTruth: 1, predSurfaceVoxels: 1, truthSurfaceVoxels: 0 });
    const rows = summarize([{ name: 'a', dims: [1, 1, 1], spacing: [1, 1, 1], classes: [row('Vertebrae', Infinity), row('IVDs', Infinity)] }]);
    rows[0]!.asd = Infinity;
    const lines = formatTable2(rows).split('\n');
    expect(lines[2], '+inf cell').toMatch(/^Vertebrae +1\.0000 +1\.0000 +inf +1\.0000 /);
    expect(lines.at(-1), 'note lists both rows').toBe('ASD/HD95 means leave out cases where one surface is empty (infinite): Vertebrae 1, IVDs 1');
  });
});

describe('readLabelImage: volumes go to the volume reader', () => {
  it('a missing .mha is reported by the volume reader, not as an unreadable PNG', async () => {
    let message = '';
    try {
      await readLabelImage('/nonexistent/labels.mha');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message, 'an error').not.toBe('');
    expect(message, 'not the PNG reader').not.toMatch(/cannot read \(|PNG/);
  });
});
