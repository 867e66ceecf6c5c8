// The figure of docs/MEASUREMENTS.md: the measurement lines of every level on a real slice of the committed test
// subset (its true mask, so the figure shows the definitions and not the model's errors), whole and close up.
// Run: npx tsx scripts/measurements-figure.ts   (writes docs/measurements.png and docs/measurements-closeup.png)
import { decodeGreyPng, decodeIntensityPng } from '../src/pipeline/dataset.ts';
import { mapGreyLevels } from '../src/pipeline/labels.ts';
import { labelLevels, type LabelGrid } from '../src/app/levels.ts';
import { measureLevels } from '../src/app/measurements.ts';
import { levelsOverlaySvg } from '../src/app/levels-overlay.ts';
import { svgToPng } from '../src/app/levels-files.ts';
import { writeFileAtomic } from '../src/model/checkpoint.ts';

const slice = '18_t2_SPACE_slice56.png';
const image = decodeIntensityPng(`models/default/test-subset/images/${slice}`);
const mask = decodeGreyPng(`models/default/test-subset/masks/${slice}`);
const grid: LabelGrid = { labels: mapGreyLevels(mask.data, slice), dims: [1, image.height, image.width], spacing: [1, 1, 1], unit: 'px' };
const lab = labelLevels(grid);
const meas = measureLevels(grid, lab);
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
writeFileAtomic('docs/measurements.png', await svgToPng(levelsOverlaySvg(image.image, lab.codes, image.width, image.height, [1, 1], lab, meas, null, b64)));
// close-up on L4, L4/L5, L5 and L5/S1 with the canal behind them
const rows = ['L4', 'L5/S1'].map((n) => lab.levels.find((l) => l.shortName === n)!.centroidIndex[1]);
const cols = lab.levels.filter((l) => ['L4', 'L5', 'L5/S1'].includes(l.shortName)).map((l) => l.centroidIndex[2]);
const crop = { rows: [Math.round(rows[0]! - 45), Math.round(rows[1]! + 30)] as [number, number], cols: [Math.round(Math.min(...cols) - 90), Math.round(Math.max(...cols) + 110)] as [number, number] };
writeFileAtomic('docs/measurements-closeup.png', await svgToPng(levelsOverlaySvg(image.image, lab.codes, image.width, image.height, [1, 1], lab, meas, null, b64, crop)));
console.log(`docs/measurements.png, docs/measurements-closeup.png: ${slice}, rows ${crop.rows.join('-')}, columns ${crop.cols.join('-')}`);
