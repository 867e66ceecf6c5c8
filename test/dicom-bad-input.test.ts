// Bad DICOM input: every case is generated here and run through `spineseg predict` in a child process. Each ends
// with exit 1, one line naming the file (or folder) and what is wrong, no stack trace and no output folder; the
// untouched series passes the same input checks (so the cases can fail). Several series, or a --series that matches nothing, end
// with that line followed by the series listing, one line each.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import dcmjs from 'dcmjs';
import { generatePhantom } from '../src/pipeline/phantom.ts';
import { writeImage } from '../src/pipeline/io.ts';
import { runCli, runAll, failureProblems } from './helpers/bad-input.ts';
import { encodeDicom, writeDicomSeries } from './helpers/dicom-series.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-baddicom-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const uid = () => dcmjs.data.DicomMetaDictionary.uid();
const phantom = () => generatePhantom({ seed: 21, variant: 'permuted', sizeLrApSi: [5, 24, 30] }).image;

/** A fresh series in root/name; `edit` may change its files. Returns the folder and its files in slice order. */
function series(name: string, edit?: (files: string[], dir: string) => void, options: Parameters<typeof writeDicomSeries>[2] = {}): string {
  const dir = path.join(root, name);
  const w = writeDicomSeries(phantom(), dir, options);
  edit?.(w.files, dir);
  return dir;
}

function nonImage(sopClassUID: string, modality: string): Uint8Array {
  return encodeDicom({ SOPClassUID: sopClassUID, SOPInstanceUID: uid(), StudyInstanceUID: uid(), SeriesInstanceUID: uid(), Modality: modality, SeriesNumber: '99', PatientID: 'P' });
}

interface Case { name: string; input: () => string[]; args?: string[]; error: RegExp; names: (input: string[]) => string; listing?: number }

const cases: Case[] = [
  { name: 'no DICOM in the folder', input: () => { const d = path.join(root, 'empty'); fs.mkdirSync(d); fs.writeFileSync(path.join(d, 'notes.txt'), 'hello'); fs.writeFileSync(path.join(d, 'scan.bin'), Buffer.alloc(300, 7)); return [d]; }, error: /no DICOM file \(2 files read, none with a DICM preamble/, names: (i) => i[0]! },
  { name: 'only non-image objects', input: () => { const d = path.join(root, 'sr-pr'); fs.mkdirSync(d); fs.writeFileSync(path.join(d, 'report'), nonImage('1.2.840.10008.5.1.4.1.1.88.22', 'SR')); fs.writeFileSync(path.join(d, 'state'), nonImage('1.2.840.10008.5.1.4.1.1.11.1', 'PR')); return [d]; }, error: /no DICOM image series, only 2 non-image objects \((structured report, presentation state|presentation state, structured report)\)/, names: (i) => i[0]! },
  { name: 'several series, no --series', input: () => { const d = path.join(root, 'two'); writeDicomSeries(phantom(), path.join(d, 'a'), { seriesNumber: 3 }); writeDicomSeries(phantom(), path.join(d, 'b'), { seriesNumber: 5 }); return [d]; }, error: /2 image series; choose one with --series NUMBER\|UID:/, names: (i) => i[0]!, listing: 2 },
  { name: 'a --series that matches nothing', input: () => [series('one-series')], args: ['--series', '42'], error: /--series 42 matches no image series; the series are:/, names: (i) => i[0]!, listing: 1 },
  { name: 'a missing slice', input: () => [series('gap', (f) => fs.rmSync(f[2]!))], error: /ImagePositionPatient = .*: a missing slice: 6\.60 mm from the previous slice at \(.*\) \(.*\), more than 1\.5x the median spacing 3\.30 mm/, names: (i) => i[0]! },
  { name: 'mixed sizes in one series', input: () => [series('mixed-size', undefined, { extra: (k) => (k === 3 ? { Columns: 23, PixelData: new Int16Array(23 * 30).buffer } : {}) })], error: /Rows x Columns = "30x23": differs from 30x24 in/, names: (i) => i[0]! },
  { name: 'mixed orientations in one series', input: () => [series('mixed-orientation', undefined, { extra: (k) => (k === 1 ? { ImageOrientationPatient: [1, 0, 0, 0, 0, -1] } : {}) })], error: /ImageOrientationPatient = \[1 0 0 0 0 -1\]: differs from \[0 1 0 0 0 1\] in .*IM\d+\.dcm of the same series/, names: (i) => i[0]! },
  // the series given as a list of files (--input repeated), the second one cut short
  { name: 'a truncated file', input: () => { const d = series('truncated', (f) => fs.writeFileSync(f[1]!, fs.readFileSync(f[1]!).subarray(0, 900))); return fs.readdirSync(d).sort().map((f) => path.join(d, f)); }, error: /PixelData = "1440 bytes declared": the file ends after \d+ of them: a truncated file/, names: (i) => i.find((f) => fs.statSync(f).size === 900)! },
  { name: 'pixel data shorter than rows x columns x frames', input: () => [series('short-pixels', undefined, { extra: (k) => (k === 2 ? { PixelData: new Int16Array(100).buffer } : {}) })], error: /PixelData = "200 bytes": shorter than Rows x Columns x frames x 2 = 30x24x1x2 = 1440 bytes/, names: (i) => i[0]! },
  { name: 'an unsupported transfer syntax', input: () => [series('rle', undefined, { transferSyntax: '1.2.840.10008.1.2.5' })], error: /TransferSyntaxUID = "1\.2\.840\.10008\.1\.2\.5": RLE Lossless is not supported/, names: (i) => i[0]! },
  { name: 'a header beyond the memory budget', input: () => [series('huge', undefined, { extra: (k) => (k === 0 ? { Rows: 60000, Columns: 60000 } : {}) })], error: /Rows x Columns x NumberOfFrames = "60000x60000x1": 14400000000 bytes of float32 voxels exceed the memory budget/, names: (i) => i[0]! },
  { name: 'a non-MR modality', input: () => [series('ct', undefined, { modality: 'CT' })], error: /Modality = "CT": series 3 is not MR; .* \(pass --allow-modality/, names: (i) => i[0]! },
  { name: '--format seg for a non-DICOM input', input: () => { const f = path.join(root, 'volume.mha'); return [f]; }, args: ['--format', 'seg'], error: /--format seg: needs DICOM input/, names: (i) => i[0]! },
];

describe('bad DICOM input: one line naming the file, exit 1, nothing written', () => {
  it('every case', async () => {
    await writeImage(phantom(), path.join(root, 'volume.mha'));
    const results = await runAll(cases, 2, async (c) => {
      const input = c.input();
      const out = path.join(root, `out-${c.name.replace(/\W+/g, '-')}`);
      const r = await runCli(['predict', ...input.flatMap((i) => ['--input', i]), '--output', out, ...(c.args ?? [])]);
      return { c, r, input, out };
    });
    const problems: string[] = [];
    for (const { c, r, input, out } of results) {
      const stderr = c.listing === undefined ? r.stderr : r.stderr.split('\n').slice(0, 1).join('\n') + '\n';
      const p = failureProblems({ ...r, stderr }, c.error, c.names(input));
      if (c.listing !== undefined) {
        const listed = r.stderr.split('\n').slice(1).filter((l) => /^ {2}series \d+ +\S+ +".*" +MR +sagittal +30x24x5 +spacing 0\.6 x 0\.6 x 3\.3 mm$/.test(l));
        if (listed.length !== c.listing) p.push(`${listed.length} listing lines, expected ${c.listing}`);
      }
      if (fs.existsSync(out)) p.push(`${out} was created`);
      if (p.length) problems.push(`${c.name}: ${p.join('; ')}\n${r.stderr}`);
    }
    expect(problems, problems.join('\n\n')).toEqual([]);
  }, 300_000);

  it('the untouched series, and the CT series with --allow-modality, pass the input checks (inspect shows the geometry)', async () => {
    const ok = series('fine');
    const r = await runCli(['inspect', ok]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/predict would use series 3 .*: sagittal/);
    const ct = await runCli(['inspect', path.join(root, 'ct'), '--allow-modality']);
    expect(ct.stdout).toMatch(/predict would use series 3/);
  }, 120_000);
});
