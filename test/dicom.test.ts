// DICOM series in: phantoms written as series (sagittal, axial, oblique, with and without rescale, left-handed
// slice order, no preamble) and the sample slices stacked into a series read back with the phantom's exact
// geometry and voxels; series grouping, listing and choice.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePhantom } from '../src/pipeline/phantom.ts';
import { permuteFlipVolume, planSagittalReorientation } from '../src/pipeline/orientation.ts';
import { chooseSeries, describeSeries, seriesToVolume } from '../src/pipeline/dicom.ts';
import { scanDicom, skippedLine } from '../src/app/dicom-input.ts';
import type { Volume } from '../src/pipeline/volume.ts';
import { sampleSliceStack, writeDicomSeries } from './helpers/dicom-series.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spineseg-dicom-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rotateDirection(vol: Volume, degrees: number): Volume {
  // rotation about the superior-inferior axis (z): an oblique sagittal acquisition
  const t = (degrees * Math.PI) / 180;
  const R = [Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t), 0, 0, 0, 1];
  const d = vol.direction;
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[r * 3 + c] += R[r * 3 + k]! * d[k * 3 + c]!;
  return { ...vol, direction: out };
}

function expectSameVolume(got: Volume, want: Volume, what: string): void {
  expect(got.size, `${what} size`).toEqual(want.size);
  got.spacing.forEach((v, i) => expect(Math.abs(v - want.spacing[i]!), `${what} spacing ${i}: ${v} vs ${want.spacing[i]}`).toBeLessThan(1e-4));
  got.origin.forEach((v, i) => expect(Math.abs(v - want.origin[i]!), `${what} origin ${i}: ${v} vs ${want.origin[i]}`).toBeLessThan(1e-4));
  got.direction.forEach((v, i) => expect(Math.abs(v - want.direction[i]!), `${what} direction ${i}: ${v} vs ${want.direction[i]}`).toBeLessThan(1e-6));
  let worst = -1;
  for (let i = 0; i < want.data.length; i++) if (got.data[i] !== want.data[i]) { worst = i; break; }
  expect(worst, `${what}: first differing voxel ${worst} (${got.data[worst]} vs ${want.data[worst]})`).toBe(-1);
}

describe('DICOM series in', () => {
  const cases = [
    { name: 'sagittal', variant: 'permuted' as const, plane: 'sagittal' },
    { name: 'axial', variant: 'axial' as const, plane: 'axial' },
    { name: 'flipped sagittal rows', variant: 'flipped' as const, plane: 'axial' },
  ];
  for (const c of cases) {
    for (const rescale of [undefined, { slope: 0.5, intercept: -100 }]) {
      it(`${c.name}${rescale ? ', rescaled' : ''}: exact geometry and voxels, whatever the file names and InstanceNumbers`, () => {
        const phantom = generatePhantom({ seed: 3, variant: c.variant, sizeLrApSi: [6, 24, 30] }).image;
        const sub = join(dir, `${c.variant}-${rescale ? 'rescaled' : 'raw'}`);
        const written = writeDicomSeries(phantom, sub, { rescale, extension: rescale ? '' : '.dcm' });
        const scan = scanDicom([sub]);
        expect(scan.series).toHaveLength(1);
        const { volume, source } = seriesToVolume(chooseSeries(scan.series, sub));
        expectSameVolume(volume, phantom, c.name);
        expect(source.geometry.slices.map((o) => o.sopInstanceUID)).toEqual(written.sopInstanceUIDs);
        expect(source.geometry.plane).toBe(c.plane);
        // the same reorientation plan as the .mha of the same phantom
        expect(planSagittalReorientation(volume.direction, volume.spacing)).toEqual(planSagittalReorientation(phantom.direction, phantom.spacing));
      });
    }
  }

  it('oblique (25° about the S-I axis): the direction matrix is the rotated one', () => {
    const phantom = rotateDirection(generatePhantom({ seed: 5, variant: 'permuted', sizeLrApSi: [5, 20, 24] }).image, 25);
    const sub = join(dir, 'oblique');
    writeDicomSeries(phantom, sub);
    const scan = scanDicom([sub]);
    const { volume, source } = seriesToVolume(chooseSeries(scan.series, sub));
    expectSameVolume(volume, phantom, 'oblique');
    expect(source.geometry.plane).toMatch(/^oblique \(nearest sagittal, 25°\)$/);
    expect(describeSeries(scan.series[0]!)).toMatch(/oblique .* 24x20x5 +spacing 0\.6 x 0\.6 x 3\.3 mm/);
  });

  it('a left-handed slice order comes back sorted along the normal: same voxels at the same physical places', () => {
    const phantom = generatePhantom({ seed: 6, variant: 'permuted-flipped', sizeLrApSi: [5, 20, 24] }).image;
    const sub = join(dir, 'left-handed');
    writeDicomSeries(phantom, sub);
    const { volume } = seriesToVolume(chooseSeries(scanDicom([sub]).series, sub));
    expectSameVolume(volume, permuteFlipVolume(phantom, [0, 1, 2], [false, false, true]), 'left-handed');
  });

  it('bare implicit-VR data sets (no preamble, no extension) are recognised by content; other files are counted', () => {
    const phantom = generatePhantom({ seed: 8, variant: 'permuted', sizeLrApSi: [4, 16, 20] }).image;
    const sub = join(dir, 'bare');
    writeDicomSeries(phantom, join(sub, 'deep', 'er'), { bare: true, extension: '' });
    writeFileSync(join(sub, 'notes.txt'), 'not dicom');
    writeFileSync(join(sub, 'DICOMDIR.json'), '{}');
    const scan = scanDicom([sub]);
    expect(skippedLine(scan)).toMatch(/^skipped 2 non-DICOM files/);
    expectSameVolume(seriesToVolume(chooseSeries(scan.series, sub)).volume, phantom, 'bare');
  });

  it('the sample slices stacked into a series read back as the PNGs', async () => {
    const vol = await sampleSliceStack('.', [52, 56, 60, 64, 68, 72], [-6, -40, 60]);
    const sub = join(dir, 'sample');
    writeDicomSeries(vol, sub);
    const { volume, source } = seriesToVolume(chooseSeries(scanDicom([sub]).series, sub));
    expectSameVolume(volume, vol, 'sample stack');
    expect(source.geometry.plane).toBe('sagittal');
  });

  it('several series: listed one line each, chosen by number or UID; exactly one MR series among others is used', () => {
    const a = generatePhantom({ seed: 9, variant: 'permuted', sizeLrApSi: [4, 16, 20] }).image;
    const b = generatePhantom({ seed: 10, variant: 'axial', sizeLrApSi: [4, 16, 20] }).image;
    const sub = join(dir, 'two');
    const sa = writeDicomSeries(a, join(sub, 'a'), { seriesNumber: 3, seriesDescription: 'T2 SAG' });
    const sb = writeDicomSeries(b, join(sub, 'b'), { seriesNumber: 7, seriesDescription: 'T2 AX', studyUID: sa.studyUID });
    const scan = scanDicom([sub]);
    expect(scan.series.map((s) => s.number)).toEqual(['3', '7']);
    expect(() => chooseSeries(scan.series, sub)).toThrow(/2 image series; choose one with --series NUMBER\|UID:\n {2}series 3 .*"T2 SAG" {2}MR {2}sagittal {2}20x16x4 {2}spacing 0\.6 x 0\.6 x 3\.3 mm\n {2}series 7 /);
    expect(chooseSeries(scan.series, sub, { series: '7' }).uid).toBe(sb.seriesUID);
    expect(chooseSeries(scan.series, sub, { series: sa.seriesUID }).number).toBe('3');
    expect(() => chooseSeries(scan.series, sub, { series: '12' })).toThrow(/--series 12 matches no image series/);
    const ct = join(dir, 'mr-and-ct');
    writeDicomSeries(a, join(ct, 'mr'), { seriesNumber: 2 });
    writeDicomSeries(b, join(ct, 'ct'), { seriesNumber: 4, modality: 'CT' });
    expect(chooseSeries(scanDicom([ct]).series, ct).number).toBe('2');
    expect(() => chooseSeries(scanDicom([join(ct, 'ct')]).series, ct)).toThrow(/Modality = "CT": series 4 is not MR.*--allow-modality/);
    expect(chooseSeries(scanDicom([join(ct, 'ct')]).series, ct, { allowModality: true }).number).toBe('4');
  });
});
