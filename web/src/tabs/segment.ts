// The Segment tab: drop PNG slices, a .mha volume or a DICOM series and (optionally) a checkpoint; segment with the
// application's own chain (src/app/segment.ts, what `spineseg predict` runs); view the overlay slice by slice with
// the class measures, the spine levels and each slice's confidence; download the label map, overlay, SEG, NIfTI
// and statistics.
import { initGpu } from '../../../src/runtime/gpu.ts';
import { overlayRgb, comparisonPng } from '../../../src/app/overlay.ts';
import { classesToGreyLevels } from '../../../src/pipeline/labels.ts';
import { parsePostprocessBlock, describePostprocess, type PostprocessBlock } from '../../../src/pipeline/postprocess.ts';
import { describeSeries } from '../../../src/pipeline/dicom.ts';
import { TTA_MODES, type TtaMode } from '../../../src/model/predict.ts';
import { CLASS_LABELS, volumeInput, sliceInput, segment, labelVolume, measures, type SegmentInput, type Segmentation } from '../../../src/app/segment.ts';
import { sliceFlag, readConfidenceBlock } from '../../../src/app/confidence.ts';
import { decodeImagePng, readMetaImage, writeLabelMetaImage, encodeGreyPng, fileBytes, download } from '../files.ts';
import { checkpointModel, checkSameGrid, fetchShippedModel } from '../checkpoint.ts';
import { ENSEMBLE_FILE, dirOfFile, groupCheckpointFiles, inferenceTta, parseEnsembleManifest } from '../../../src/app/ensemble.ts';
import { levelsFor, levelsTableRows, drawLevels } from '../levels.ts';
import { filesFromDataTransfer, isOtherFormat, readDroppedDicom, imageSeries, selectSeries, segmentationFromSeg, segBytes, niftiBytes, statsCsv, type DroppedDicom, type DicomSelection } from '../dicom.ts';
import { elements, setStatus, errorText, dropZone } from '../dom.ts';
import type { CurrentModel, Shell } from '../shell.ts';

export interface SegmentTabDeps {
  /** the Train tab's model is on offer ("Use the model trained here") */
  trainedAvailable(): boolean;
  /** hands the Train tab's model to the shell */
  useTrained(): void;
}

export interface SegmentTabState {
  input: SegmentInput | null;
  seg: Segmentation | null;
  slice: number;
}

export function initSegmentTab(panel: HTMLElement, shell: Shell, deps: SegmentTabDeps) {
  const ui = elements(panel, {
    segmentDrop: HTMLElement,
    imageInput: HTMLInputElement,
    dicomFolderInput: HTMLInputElement,
    seriesChoice: HTMLElement,
    seriesSelect: HTMLSelectElement,
    checkpointInput: HTMLInputElement,
    useTrained: HTMLButtonElement,
    pixelMm: HTMLInputElement,
    thicknessMm: HTMLInputElement,
    tta: HTMLSelectElement,
    inputName: HTMLElement,
    modelName: HTMLElement,
    predict: HTMLButtonElement,
    segmentStatus: HTMLElement,
    viewer: HTMLElement,
    overlayCanvas: HTMLCanvasElement,
    levelsCanvas: HTMLCanvasElement,
    sliceSlider: HTMLInputElement,
    sliceLabel: HTMLElement,
    measures: HTMLTableElement,
    spacingNote: HTMLElement,
    confidenceNote: HTMLElement,
    levelsTable: HTMLTableElement,
    levelsSizeHead: HTMLElement,
    levelsNote: HTMLElement,
    downloadLabels: HTMLButtonElement,
    downloadOverlay: HTMLButtonElement,
    downloadSeg: HTMLButtonElement,
    downloadNifti: HTMLButtonElement,
    downloadStats: HTMLButtonElement,
  });
  const state: SegmentTabState = { input: null, seg: null, slice: 0 };
  /** the dropped DICOM files and the series shown (web/src/dicom.ts) */
  let dicom: { dropped: DroppedDicom; selection: DicomSelection | null } | null = null;
  /** checkpoint files dropped so far (named with their folder), waiting for their other half */
  let pending: Array<{ name: string; file: File }> = [];

  const status = (text: string, error = false) => {
    setStatus(ui.segmentStatus, text, error);
    if (error) shell.error(text);
  };
  const readyLine = () => (state.seg ? 'SEG shown' : shell.model && state.input ? 'ready: press Segment' : '');

  function refresh(): void {
    ui.predict.disabled = !(shell.idle() && shell.model && state.input);
    ui.useTrained.disabled = !deps.trainedAvailable() || shell.training;
    const s = state.input;
    ui.inputName.textContent = s ? `${s.name} (${s.slices.length} slice${s.slices.length === 1 ? '' : 's'} of ${s.slices[0]!.width}x${s.slices[0]!.height})` : 'none';
    ui.modelName.textContent = shell.model?.name ?? 'none';
  }
  shell.onChange(refresh);

  function clearView(): void {
    state.seg = null;
    ui.viewer.hidden = true;
  }

  /** The checkpoint's post-processing block, checked as the CLI checks it; null when it has none. */
  function postprocessBlock(): PostprocessBlock | null {
    const m = shell.model;
    const raw = (m?.config as { postprocess?: unknown } | undefined)?.postprocess;
    return raw === undefined || !m ? null : parsePostprocessBlock(raw, 'config.json', m.config.model.classes);
  }

  // ------------------------------------------------------------ loading

  async function loadShipped(): Promise<void> {
    try {
      const shipped = await fetchShippedModel(await initGpu().then((g) => g.limits));
      if (!shipped) return;
      // a checkpoint dropped while the shipped one was fetched wins
      if (shell.model) return shipped.nets.forEach((n) => n.dispose());
      const c = shipped.config.model;
      const what = shipped.nets.length > 1 ? `an ensemble of ${shipped.nets.length} folds, ` : '';
      useModel({ nets: shipped.nets, config: shipped.config, name: `shipped model (models/default, ${what}${c.width}x${c.height}, width x${c.widthMult})`, owned: true });
      status('shipped model loaded: drop an image and press Segment');
    } catch (err) {
      status(`shipped model: ${errorText(err)}`, true);
    }
  }

  /** Hands a model to the shell and selects the test-time augmentation its cross-validation chose. */
  function useModel(model: CurrentModel): void {
    shell.setModel(model);
    ui.tta.value = inferenceTta(model.config, 'config.json');
  }

  /** Reads dropped DICOM files; returns the status line when the user has a series to choose first. */
  async function loadDicom(files: File[]): Promise<string | undefined> {
    const dropped = await readDroppedDicom(files, (done, total) => status(`read ${done}/${total} files…`));
    dicom = { dropped, selection: null };
    state.input = null;
    clearView();
    const images = imageSeries(dropped);
    ui.seriesSelect.innerHTML = '';
    for (const s of images) ui.seriesSelect.append(new Option(describeSeries(s), s.uid));
    // (the page's label style would override the hidden attribute)
    ui.seriesChoice.style.display = images.length < 2 ? 'none' : '';
    try {
      await showSeries(undefined);
    } catch (err) {
      // several series and no choice yet: the menu lists them, one line each
      if (images.length < 2 || !/image series; choose one/.test(errorText(err))) throw err;
      ui.seriesSelect.selectedIndex = -1;
      return `${images.length} image series in ${dropped.source}: choose one in the Series menu`;
    }
    return undefined;
  }

  async function showSeries(uid: string | undefined): Promise<void> {
    if (!dicom) return;
    const sel = selectSeries(dicom.dropped, uid);
    dicom.selection = sel;
    state.input = sel.input;
    clearView();
    ui.seriesSelect.value = sel.source.series.uid;
    // a SEG of this series among the dropped files is shown as it is, without the model
    if (sel.segs.length) showSegmentation(await segmentationFromSeg(sel.segs[0]!, sel));
  }

  ui.seriesSelect.addEventListener('change', () => {
    const uid = ui.seriesSelect.value;
    void shell.withBusy('loading', async () => {
      try {
        await showSeries(uid);
        status(readyLine());
      } catch (err) {
        status(errorText(err), true);
      }
    });
  });

  async function loadImages(files: File[]): Promise<string | undefined> {
    dicom = null;
    ui.seriesChoice.style.display = 'none';
    if (!files.some((f) => /\.(mha|png)$/i.test(f.name)) && files.some((f) => !isOtherFormat(f.name))) return loadDicom(files);
    const mha = files.filter((f) => /\.mha$/i.test(f.name));
    const png = files.filter((f) => /\.png$/i.test(f.name)).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    if (mha.length > 1 || (mha.length && png.length)) throw new Error('drop one .mha volume, or PNG slices, not both');
    if (mha.length) {
      state.input = volumeInput(mha[0]!.name, await readMetaImage(mha[0]!.name, await fileBytes(mha[0]!)));
    } else if (png.length) {
      const slices = [];
      for (const f of png) slices.push(decodeImagePng(f.name, await fileBytes(f)));
      state.input = sliceInput(slices, { pixelMm: Number(ui.pixelMm.value) || 1, thicknessMm: Number(ui.thicknessMm.value) || 1 });
    } else {
      throw new Error(`${files.map((f) => f.name).join(', ')}: not a .png or .mha image`);
    }
    clearView();
    return undefined;
  }

  /**
   * Dropped checkpoint files: one config.json + model.safetensors, or a folder of folds (every folder with both files
   * is a member; with an ensemble.json, the folders it lists), whose probabilities are averaged as in the CLI.
   */
  async function loadCheckpoint(files: File[]): Promise<void> {
    pending.push(...files.map((file) => ({ name: file.webkitRelativePath || file.name, file })));
    const manifestFile = pending.find((f) => f.name.split('/').pop() === ENSEMBLE_FILE);
    const manifest = manifestFile ? { dir: dirOfFile(manifestFile.name), parsed: parseEnsembleManifest(JSON.parse(await manifestFile.file.text()), manifestFile.name) } : undefined;
    const group = groupCheckpointFiles(pending, manifest);
    if (group.members.length === 0) {
      ui.modelName.textContent = `waiting for ${group.missing}`;
      return;
    }
    // a damaged set is dropped whole, so the next drop starts clean
    pending = [];
    const g = await initGpu();
    const nets: CurrentModel['nets'] = [];
    let config: CurrentModel['config'] | null = null;
    try {
      for (const m of group.members) {
        const one = checkpointModel(m.config.name, await m.config.file.text(), m.weights.name, await fileBytes(m.weights.file), g.limits);
        nets.push(one.model);
        config ??= one.config;
        checkSameGrid(config, one.config, m.dir || m.config.name);
      }
    } catch (err) {
      nets.forEach((n) => n.dispose());
      throw err;
    }
    const c = config!.model;
    const first = group.members[0]!;
    const what = nets.length > 1 ? `ensemble of ${nets.length}: ${group.members.map((m) => m.dir).join(', ')}` : first.weights.name;
    useModel({ nets, config: config!, name: `${what} (${c.width}x${c.height}, width x${c.widthMult})`, owned: true });
    clearView();
  }

  async function handleFiles(files: File[]): Promise<void> {
    const ckpt = files.filter((f) => /\.(json|safetensors)$/i.test(f.name));
    const images = files.filter((f) => !ckpt.includes(f));
    await shell.withBusy('loading', async () => {
      try {
        status('loading…');
        if (ckpt.length) await loadCheckpoint(ckpt);
        const note = images.length ? await loadImages(images) : undefined;
        status(note ?? readyLine());
      } catch (err) {
        status(errorText(err), true);
      }
      refresh();
    });
  }

  for (const input of [ui.imageInput, ui.dicomFolderInput, ui.checkpointInput]) {
    input.addEventListener('change', () => void handleFiles(Array.from(input.files ?? [])));
  }
  // a dropped folder is walked recursively (a DICOM series); plain files come as they are
  dropZone(ui.segmentDrop, filesFromDataTransfer, (files) => void handleFiles(files));

  ui.useTrained.addEventListener('click', () => {
    deps.useTrained();
    status(state.input ? 'ready: press Segment' : 'now drop an image');
  });

  // ------------------------------------------------------------ predict and view

  for (const m of TTA_MODES) ui.tta.append(new Option(m, m));

  async function run(): Promise<Segmentation | null> {
    const model = shell.model;
    const input = state.input;
    if (!model || !input) return null;
    return shell.withBusy('segmenting', async () => {
      try {
        status(`segmenting ${input.slices.length} slice(s)…`);
        const seg = await segment(model.nets, input, {
          batchSize: 4,
          postprocess: postprocessBlock(),
          tta: ui.tta.value as TtaMode,
          onProgress: (done, total) => status(`segmented ${done}/${total} slices…`),
        });
        showSegmentation(seg);
        status(`done in ${seg.seconds.toFixed(2)} s`);
        return seg;
      } catch (err) {
        status(errorText(err), true);
        return null;
      }
    });
  }
  ui.predict.addEventListener('click', () => void run());

  function showSegmentation(seg: Segmentation): void {
    const input = seg.input;
    state.seg = seg;
    state.slice = Math.floor(input.slices.length / 2);
    ui.sliceSlider.max = String(input.slices.length - 1);
    ui.sliceSlider.value = String(state.slice);
    ui.viewer.hidden = false;
    ui.downloadLabels.textContent = input.kind === 'volume' ? 'Download label map (.mha, input geometry)' : 'Download label map (PNG, this slice)';
    ui.downloadSeg.hidden = !(dicom?.selection && dicom.selection.input === input);
    ui.downloadNifti.hidden = input.kind !== 'volume';
    drawSlice();
  }

  ui.sliceSlider.addEventListener('input', () => {
    state.slice = Number(ui.sliceSlider.value);
    drawSlice();
  });

  const fmt = (x: number, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

  function drawSlice(): void {
    const seg = state.seg;
    if (!seg) return;
    const s = seg.input.slices[state.slice]!;
    const labels = seg.labels[state.slice]!;
    const rgb = overlayRgb(s.image, labels, s.width, s.height);
    const canvas = ui.overlayCanvas;
    canvas.width = s.width;
    canvas.height = s.height;
    const sp = seg.input.spacing ?? { col: 1, row: 1, thickness: 1 };
    // keep physical proportions on screen: columns and rows may have different spacing
    canvas.style.width = `${Math.round((480 * s.width * sp.col) / (s.height * sp.row))}px`;
    const img = new ImageData(s.width, s.height);
    for (let i = 0; i < s.width * s.height; i++) {
      img.data[4 * i] = rgb[3 * i]!;
      img.data[4 * i + 1] = rgb[3 * i + 1]!;
      img.data[4 * i + 2] = rgb[3 * i + 2]!;
      img.data[4 * i + 3] = 255;
    }
    canvas.getContext('2d')!.putImageData(img, 0, 0);
    ui.sliceLabel.textContent = `${state.slice + 1} / ${seg.input.slices.length}: ${s.name}`;
    const rows = measures(seg, state.slice).map(
      (m) => `<tr><td>${m.name}</td><td>${m.slicePixels}</td><td>${fmt(m.sliceAreaMm2)}</td><td>${m.totalVoxels}</td><td>${fmt(m.volumeMm3)}</td></tr>`,
    );
    ui.measures.querySelector('tbody')!.innerHTML = rows.join('');
    ui.spacingNote.textContent =
      seg.input.kind === 'volume'
        ? `Spacing from the header: ${fmt(sp.col, 3)} mm (anterior-posterior) x ${fmt(sp.row, 3)} mm (superior-inferior), ${fmt(sp.thickness, 3)} mm between sagittal slices.${seg.input.report?.changed ? ` Reoriented for the model: ${seg.input.report.description}.` : ''}`
        : `PNG has no geometry: ${fmt(sp.col, 3)} mm pixels and ${fmt(sp.thickness, 3)} mm between slices, as set above.`;
    showConfidence(seg);
    showLevels(seg);
  }

  /** The slice's confidence (src/app/confidence.ts), flagged against the checkpoint's validation threshold. */
  function showConfidence(seg: Segmentation): void {
    const c = seg.confidence?.[state.slice];
    if (!c) {
      ui.confidenceNote.textContent = '';
      ui.confidenceNote.classList.remove('error');
      return;
    }
    const block = shell.model ? readConfidenceBlock(shell.model.config, 'config.json') : null;
    const flag = sliceFlag(c, block);
    const per = c.agreement.map((a, k) => `${CLASS_LABELS[k]} ${fmt(a, 3)}`).slice(1).join(', ');
    ui.confidenceNote.textContent = `Confidence of this slice: ${fmt(flag.score, 3)} (${c.networks ? `each of ${c.networks} networks with its own ${c.members / c.networks} views, averaged` : `agreement of ${c.members} prediction${c.members === 1 ? '' : 's'}`}: ${per})${
      flag.low ? ` — LOW: below the threshold ${fmt(flag.threshold!, 3)} chosen on validation patients; check this slice by eye.` : flag.threshold === null ? ' (the model records no threshold)' : ''
    }`;
    ui.confidenceNote.classList.toggle('error', flag.low);
  }

  /** The levels table beside the overlay and the level names drawn over it (docs/MEASUREMENTS.md). */
  function showLevels(seg: Segmentation): void {
    const levels = levelsFor(seg, state.slice);
    const s = seg.input.slices[state.slice]!;
    const layer = ui.levelsCanvas;
    const cssW = parseFloat(ui.overlayCanvas.style.width) || 480;
    const cssH = 480;
    layer.width = Math.round(cssW);
    layer.height = cssH;
    layer.style.width = `${Math.round(cssW)}px`;
    layer.style.height = `${cssH}px`;
    drawLevels(layer, levels, levels.gridSlice(state.slice), [cssH / s.height, cssW / s.width]);
    const r = levels.report;
    const cell = (v: string) => `<td>${v.replace(/[<>&]/g, '')}</td>`;
    ui.levelsTable.querySelector('tbody')!.innerHTML = levelsTableRows(r).map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('');
    ui.levelsSizeHead.textContent = r.unit === 'mm' ? 'volume (mm³)' : 'mid-sagittal area (px²)';
    const flags = r.flags.map((f) => f.message).join('; ');
    ui.levelsNote.textContent = `${r.levels.some((l) => l.kind !== 'canal') ? `${r.vertebraCount} complete vertebrae; lengths in ${r.unit === 'mm' ? 'mm' : 'pixels (a PNG slice carries no spacing)'}.` : 'No levels.'}${flags ? ` Flags: ${flags}.` : ''}`;
  }

  // ------------------------------------------------------------ downloads

  /** Runs a download, showing what goes wrong in the status line. */
  const downloading = (make: (seg: Segmentation) => Promise<void> | void) => () => {
    const seg = state.seg;
    if (!seg) return;
    Promise.resolve()
      .then(() => make(seg))
      .catch((err) => status(errorText(err), true));
  };
  ui.downloadLabels.addEventListener(
    'click',
    downloading(async (seg) => {
      if (seg.input.kind === 'volume') {
        const name = seg.input.name.replace(/\.mha$/i, '') + '_labels.mha';
        download(name, await writeLabelMetaImage(name, labelVolume(seg)));
      } else {
        const s = seg.input.slices[state.slice]!;
        download(s.name.replace(/\.png$/i, '') + '_labels.png', encodeGreyPng(classesToGreyLevels(seg.labels[state.slice]!), s.width, s.height), 'image/png');
      }
    }),
  );
  ui.downloadSeg.addEventListener('click', downloading((seg) => download(`${seg.input.name}.seg.dcm`, segBytes(seg, dicom!.selection!, shell.model?.name ?? 'none'), 'application/dicom')));
  ui.downloadNifti.addEventListener(
    'click',
    downloading(async (seg) => {
      const name = `${seg.input.name.replace(/\.mha$/i, '')}.nii.gz`;
      download(name, await niftiBytes(name, labelVolume(seg)));
    }),
  );
  ui.downloadStats.addEventListener(
    'click',
    downloading((seg) => {
      const pp = postprocessBlock();
      const how = seg.seconds === 0 ? 'read from a SEG' : pp ? describePostprocess(pp, shell.model!.config.classes) : 'off';
      download(`${seg.input.name.replace(/\.(mha|png)$/i, '')}_statistics.csv`, statsCsv(seg, shell.model?.name ?? 'none', how), 'text/csv');
    }),
  );
  ui.downloadOverlay.addEventListener(
    'click',
    downloading((seg) => {
      const s = seg.input.slices[state.slice]!;
      download(`${seg.input.name.replace(/\.(mha|png)$/i, '')}_slice${state.slice + 1}_overlay.png`, comparisonPng(s.image, seg.labels[state.slice]!, null, s.width, s.height), 'image/png');
    }),
  );

  refresh();
  return { state, run, loadShipped, refresh, status };
}
