// predict on a DICOM series (the sample slices of patient 118 stacked into a sagittal series, the shipped model),
// through the CLI: the SEG read back equals the nii.gz label map voxel for voxel and references the source UIDs;
// an independent validator (dciodvfy, pydicom) accepts it; --save-probabilities gives a 4-D image whose argmax is
// the label map; --stats counts what the label map holds; --levels gives one segment per level.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageNode } from '@itk-wasm/image-io';
import { readImage } from '../src/pipeline/io.ts';
import { chooseSeries, seriesToVolume, type DicomSource } from '../src/pipeline/dicom.ts';
import { scanDicom } from '../src/app/dicom-input.ts';
import { readSeg } from '../src/app/dicom-seg.ts';
import { classSegments, levelSegment } from '../src/app/dicom-seg-codes.ts';
import { LEVEL_CODES } from '../src/pipeline/level-codes.ts';
import { runCli } from './helpers/bad-input.ts';
import { sampleSliceStack, writeDicomSeries, type WrittenSeries } from './helpers/dicom-series.ts';

let dir: string;
let series: string;
let written: WrittenSeries;
let source: DicomSource;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spineseg-dicom-predict-'));
  const vol = await sampleSliceStack('.', [56, 60, 64, 68]);
  series = join(dir, 'study');
  written = writeDicomSeries(vol, join(series, 'T2_SAG'), { extension: '', rescale: { slope: 0.5, intercept: -100 } });
  source = seriesToVolume(chooseSeries(scanDicom([series]).series, series)).source;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sameVoxels(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, `${what} length`).toBe(want.length);
  let first = -1;
  let count = 0;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) { if (first < 0) first = i; count++; }
  expect(count, `${what}: ${count} voxels differ, first at ${first} (${got[first]} vs ${want[first]})`).toBe(0);
}

describe('predict on a DICOM series', () => {
  it('--format seg reads back as the nii.gz label map, references the source and passes dciodvfy; probabilities and stats agree', async () => {
    const seg = join(dir, 'seg');
    const nii = join(dir, 'nii');
    const a = await runCli(['predict', '--input', series, '--output', seg, '--format', 'seg', '--no-postprocess', '--save-probabilities', '--stats', join(seg, 'stats.json')]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/DICOM: series 3 \(.*\) "T2 phantom", sagittal, 128x160x4 voxels of 0\.5 x 0\.5 x 2\.4 mm/);
    const b = await runCli(['predict', '--input', series, '--output', nii, '--no-postprocess', '--stats', join(nii, 'stats.csv')]);
    expect(b.code, b.stderr).toBe(0);
    const labels = await readImage(join(nii, 'series-3.nii.gz'));
    // the nii.gz carries the series' geometry
    labels.origin.forEach((v, i) => expect(Math.abs(v - source.geometry.origin[i]!)).toBeLessThan(1e-3));
    labels.direction.forEach((v, i) => expect(Math.abs(v - source.geometry.direction[i]!)).toBeLessThan(1e-6));
    expect(new Set(labels.data).size, 'the model finds all three classes on real slices').toBe(4);

    const segFile = join(seg, 'series-3.seg.dcm');
    const back = readSeg(segFile, new Uint8Array(readFileSync(segFile)), source.geometry);
    const classOf = new Map(back.segments.map((s) => [s.number, classSegments().find((d) => d.type.CodeValue === s.type.CodeValue)!.value]));
    sameVoxels(back.labels.map((n) => (n === 0 ? 0 : classOf.get(n)!)), labels.data, 'SEG vs nii.gz');
    expect(back.segments.map((s) => s.label)).toEqual(['Vertebrae', 'Spinal canal', 'Intervertebral discs']);
    expect(back.segments.map((s) => `${s.type.CodingSchemeDesignator} ${s.type.CodeValue}`)).toEqual(['SCT 51282000', 'SCT 61853006', '99SPINESEG IVD']);
    expect(back.studyUID).toBe(written.studyUID);
    expect(back.frameOfReferenceUID).toBe(written.frameOfReferenceUID);
    expect(back.referencedSeriesUID).toBe(written.seriesUID);
    for (const uid of back.frameSources) expect(written.sopInstanceUIDs).toContain(uid);

    // probabilities: 4-D, same geometry, sum to 1, argmax = the label map (no post-processing here)
    const probs = await readImageNode(join(seg, 'series-3_probabilities.nii.gz'));
    expect([...probs.size]).toEqual([...labels.size, 4]);
    const n = labels.data.length;
    const p = probs.data as Float32Array;
    let worstSum = 0;
    const argmax = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let sum = 0;
      for (let c = 0; c < 4; c++) {
        sum += p[c * n + i]!;
        if (p[c * n + i]! > p[best * n + i]!) best = c;
      }
      worstSum = Math.max(worstSum, Math.abs(sum - 1));
      argmax[i] = best;
    }
    expect(worstSum).toBeLessThan(1e-4);
    sameVoxels(argmax, labels.data, 'argmax of the probabilities vs nii.gz');

    // stats: the same counts in both formats, volumes from the spacing
    const json = JSON.parse(readFileSync(join(seg, 'stats.json'), 'utf8')) as Array<Record<string, string | number>>;
    const csv = readFileSync(join(nii, 'stats.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('input,output,class,name,voxels,volume_mm3,area_mm2,slices,agreement,low_confidence_slices,model,postprocess,tta');
    for (let c = 0; c < 4; c++) {
      const count = labels.data.filter((v) => v === c).length;
      expect(json[c]!.voxels).toBe(count);
      expect(json[c]!.volume_mm3).toBeCloseTo(count * 0.5 * 0.5 * 2.4, 2);
      expect(json[c]!.postprocess).toBe('off');
      expect(csv[c + 1]!.split(',')[4]).toBe(String(count));
    }

    // the independent validator: dciodvfy (Debian dicom3tools) reports no error
    const dciodvfy = spawnSync('dciodvfy', [segFile], { encoding: 'utf8' });
    if (dciodvfy.error) {
      console.warn(`SKIPPED: dciodvfy not installed (${dciodvfy.error.message}); .ci/run installs dicom3tools`);
    } else {
      const report = `${dciodvfy.stdout}${dciodvfy.stderr}`;
      expect(report, report).toMatch(/Segmentation/);
      expect(report.split('\n').filter((l) => /^Error/.test(l)), report).toEqual([]);
    }
    const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import pydicom'], { encoding: 'utf8' }).status === 0);
    if (!python) {
      console.warn('SKIPPED: pydicom not importable; .ci/run installs python3-pydicom');
    } else {
      const out = execFileSync(python, ['-c', 'import sys, pydicom; d = pydicom.dcmread(sys.argv[1]); print(d.Modality, d.NumberOfFrames, len(d.SegmentSequence), d.ReferencedSeriesSequence[0].SeriesInstanceUID)', segFile], { encoding: 'utf8' }).trim();
      expect(out).toBe(`SEG ${back.frameSources.length} 3 ${written.seriesUID}`);
    }
  }, 180_000);

  it('--levels --format seg: one segment per level, named and coded per level, equal to the level map', async () => {
    const out = join(dir, 'levels');
    const r = await runCli(['predict', '--input', series, '--output', out, '--format', 'seg', '--levels']);
    expect(r.code, r.stderr).toBe(0);
    const codes = await readImage(join(out, 'levels', 'series-3.nii.gz'));
    const present = LEVEL_CODES.filter((c) => (codes.data as Uint8Array).includes(c.code));
    expect(present.length, 'levels found on the real slices').toBeGreaterThan(3);
    const segFile = join(out, 'series-3.seg.dcm');
    const back = readSeg(segFile, new Uint8Array(readFileSync(segFile)), source.geometry);
    expect(back.segments.map((s) => s.label)).toEqual(present.map((c) => c.name));
    expect(back.segments.map((s) => s.type.CodeValue)).toEqual(present.map((c) => levelSegment(c.code).type.CodeValue));
    const codeOf = new Map(back.segments.map((s, i) => [s.number, present[i]!.code]));
    sameVoxels(back.labels.map((n) => (n === 0 ? 0 : codeOf.get(n)!)), codes.data, 'level SEG vs level map');
    expect(existsSync(join(out, 'series-3.nii.gz')), 'with --format seg the label map is the SEG').toBe(false);
  }, 180_000);

  it('cohort mode: a manifest row naming a DICOM folder and its series is predicted; a series that is not there fails that study only', async () => {
    const manifest = join(dir, 'manifest.csv');
    writeFileSync(manifest, ['id,input,output,series,checkpoint', `dicom-a,${series},,3,`, `dicom-b,${series},,9,`].join('\n'));
    const out = join(dir, 'cohort');
    const r = await runCli(['predict', '--manifest', manifest, '--output', out]);
    expect(r.code, r.stderr).toBe(2);
    const labels = await readImage(join(out, 'studies', 'dicom-a', 'series-3.nii.gz'));
    expect(labels.size).toEqual(source.geometry.size);
    const stats = readFileSync(join(out, 'studies', 'dicom-a', 'stats.csv'), 'utf8');
    expect(stats).toMatch(/series-3\.nii\.gz/);
    const failures = readFileSync(join(out, 'shards', '0-of-1', 'failures.csv'), 'utf8');
    expect(failures).toMatch(/dicom-b,.*--series 9 matches no image series/);
  }, 180_000);
});
