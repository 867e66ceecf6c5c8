/**
 * MetaImage (.mha) header parser and validator, run before itk-wasm so that a lying or truncated
 * file gives an error naming the file, the field and the value instead of a wasm abort or a huge allocation.
 * Plain TypeScript (no Node APIs) so it also runs in the browser.
 */
import { fieldError, PipelineError } from './errors.ts';

export const METAIMAGE_ELEMENT_BYTES = {
  MET_UCHAR: 1,
  MET_CHAR: 1,
  MET_SHORT: 2,
  MET_USHORT: 2,
  MET_INT: 4,
  MET_UINT: 4,
  MET_FLOAT: 4,
  MET_DOUBLE: 8,
} as const;

export type MetaImageElementType = keyof typeof METAIMAGE_ELEMENT_BYTES;

/** Default budget for one image: 512 MiB of voxel data. */
export const DEFAULT_SIZE_BUDGET_BYTES = 512 * 1024 * 1024;

export interface MetaImageHeader {
  nDims: number;
  dimSize: number[];
  elementType: MetaImageElementType;
  elementBytes: number;
  spacing: number[];
  origin: number[];
  /** TransformMatrix as written in the file: row i is the direction of array axis i (the transpose of ITK's direction). */
  transformMatrix: number[];
  compressed: boolean;
  compressedDataSize: number | undefined;
  byteOrderMSB: boolean;
  /** Byte offset of the pixel data (just after the ElementDataFile line). */
  dataOffset: number;
  /** Uncompressed voxel data size in bytes. */
  dataBytes: number;
  fields: Map<string, string>;
}

export interface MetaImageCheckOptions {
  /** Largest voxel data (bytes, uncompressed) accepted before allocating. */
  sizeBudgetBytes?: number;
  /** Tolerance for the orthonormality of TransformMatrix. */
  orthonormalTolerance?: number;
}

const MAX_HEADER_BYTES = 64 * 1024;

function parseNumbers(file: string, field: string, text: string, count: number): number[] {
  const parts = text.trim().split(/\s+/).filter((s) => s.length > 0);
  if (parts.length !== count) throw fieldError(file, field, text, `expected ${count} numbers, found ${parts.length}`);
  const values = parts.map(Number);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw fieldError(file, field, text, `element ${bad} (${JSON.stringify(parts[bad])}) is not a finite number`);
  return values;
}

function parseBool(file: string, field: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw fieldError(file, field, text, 'expected True or False');
}

/**
 * Parses and validates the header of a MetaImage file held in `bytes` (the whole file, or at least the header
 * plus the data when the data length is to be checked). `fileSize` is the full file size on disk.
 */
export function parseMetaImageHeader(
  file: string,
  bytes: Uint8Array,
  fileSize: number = bytes.length,
  options: MetaImageCheckOptions = {},
): MetaImageHeader {
  const budget = options.sizeBudgetBytes ?? DEFAULT_SIZE_BUDGET_BYTES;
  const tol = options.orthonormalTolerance ?? 1e-3;
  const fields = new Map<string, string>();
  let pos = 0;
  let dataOffset = -1;
  const limit = Math.min(bytes.length, MAX_HEADER_BYTES);
  while (pos < limit) {
    let end = pos;
    while (end < bytes.length && bytes[end] !== 0x0a) end++;
    if (end >= bytes.length) {
      throw new PipelineError(`${file}: header ends before an ElementDataFile line (truncated file or not a MetaImage)`, {
        file,
        field: 'ElementDataFile',
      });
    }
    let line = '';
    for (let i = pos; i < end; i++) {
      const c = bytes[i]!;
      if (c !== 0x0d && c !== 0x09 && (c < 0x20 || c > 0x7e)) {
        throw new PipelineError(`${file}: header line at byte ${pos} holds binary byte 0x${c.toString(16)}: not a MetaImage file`, {
          file,
          field: 'header',
          value: c,
        });
      }
      line += String.fromCharCode(c);
    }
    pos = end + 1;
    line = line.trim();
    if (line.length === 0) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw fieldError(file, 'header', line, 'line is not "Key = Value": not a MetaImage file');
    const key = line.slice(0, eq).trim();
    if (key.length === 0) throw fieldError(file, 'header', line, 'line has no key before "=": not a MetaImage file');
    const value = line.slice(eq + 1).trim();
    fields.set(key, value);
    if (key === 'ElementDataFile') {
      dataOffset = pos;
      break;
    }
  }
  if (dataOffset < 0) {
    throw new PipelineError(`${file}: no ElementDataFile field within the first ${limit} bytes (missing field or not a MetaImage)`, {
      file,
      field: 'ElementDataFile',
    });
  }

  const objectType = fields.get('ObjectType');
  if (objectType !== undefined && objectType.toLowerCase() !== 'image') {
    throw fieldError(file, 'ObjectType', objectType, 'only Image is supported');
  }

  const nDimsText = fields.get('NDims');
  if (nDimsText === undefined) throw new PipelineError(`${file}: NDims is missing`, { file, field: 'NDims' });
  const nDims = Number(nDimsText);
  if (!Number.isInteger(nDims) || nDims < 2 || nDims > 3) throw fieldError(file, 'NDims', nDimsText, 'must be 2 or 3');

  const dimText = fields.get('DimSize');
  if (dimText === undefined) throw new PipelineError(`${file}: DimSize is missing`, { file, field: 'DimSize' });
  const dimSize = parseNumbers(file, 'DimSize', dimText, nDims);
  dimSize.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1) throw fieldError(file, 'DimSize', dimText, `dimension ${i} (${d}) is not a positive integer`);
  });

  const typeText = fields.get('ElementType');
  if (typeText === undefined) throw new PipelineError(`${file}: ElementType is missing`, { file, field: 'ElementType' });
  // own keys only: `in` would take Object.prototype's (ElementType = toString)
  if (!Object.hasOwn(METAIMAGE_ELEMENT_BYTES, typeText)) {
    throw fieldError(file, 'ElementType', typeText, `unsupported; expected one of ${Object.keys(METAIMAGE_ELEMENT_BYTES).join(', ')}`);
  }
  const elementType = typeText as MetaImageElementType;
  const elementBytes = METAIMAGE_ELEMENT_BYTES[elementType];

  const channelsText = fields.get('ElementNumberOfChannels');
  if (channelsText !== undefined && Number(channelsText) !== 1) {
    throw fieldError(file, 'ElementNumberOfChannels', channelsText, 'only scalar (1-channel) images are supported');
  }

  const voxels = dimSize.reduce((a, b) => a * b, 1);
  const dataBytes = voxels * elementBytes;
  if (dataBytes > budget) {
    throw fieldError(
      file,
      'DimSize',
      dimText,
      `${voxels} voxels x ${elementBytes} bytes = ${dataBytes} bytes exceeds the size budget of ${budget} bytes`,
    );
  }

  const spacingText = fields.get('ElementSpacing') ?? fields.get('ElementSize');
  const spacing = spacingText === undefined ? new Array<number>(nDims).fill(1) : parseNumbers(file, 'ElementSpacing', spacingText, nDims);
  spacing.forEach((s, i) => {
    if (!(s > 0)) throw fieldError(file, 'ElementSpacing', spacingText, `spacing ${i} (${s}) must be positive`);
  });

  const originKey = ['Offset', 'Origin', 'Position'].find((k) => fields.has(k));
  const origin = originKey === undefined ? new Array<number>(nDims).fill(0) : parseNumbers(file, originKey, fields.get(originKey)!, nDims);

  const matrixKey = ['TransformMatrix', 'Rotation', 'Orientation'].find((k) => fields.has(k));
  let transformMatrix: number[];
  if (matrixKey === undefined) {
    transformMatrix = Array.from({ length: nDims * nDims }, (_, k) => (Math.floor(k / nDims) === k % nDims ? 1 : 0));
  } else {
    const text = fields.get(matrixKey)!;
    transformMatrix = parseNumbers(file, matrixKey, text, nDims * nDims);
    checkOrthonormal(file, matrixKey, text, transformMatrix, nDims, tol);
  }

  const compressed = fields.has('CompressedData') ? parseBool(file, 'CompressedData', fields.get('CompressedData')!) : false;
  const byteOrderKey = fields.has('BinaryDataByteOrderMSB') ? 'BinaryDataByteOrderMSB' : 'ElementByteOrderMSB';
  const byteOrderMSB = fields.has(byteOrderKey) ? parseBool(file, byteOrderKey, fields.get(byteOrderKey)!) : false;
  const binaryText = fields.get('BinaryData');
  if (binaryText !== undefined && !parseBool(file, 'BinaryData', binaryText)) {
    throw fieldError(file, 'BinaryData', binaryText, 'ASCII pixel data is not supported');
  }

  const dataFile = fields.get('ElementDataFile')!;
  if (dataFile !== 'LOCAL') {
    throw fieldError(file, 'ElementDataFile', dataFile, 'only LOCAL (pixel data inside the .mha) is supported');
  }
  const available = fileSize - dataOffset;
  let compressedDataSize: number | undefined;
  if (compressed) {
    const sizeText = fields.get('CompressedDataSize');
    if (sizeText === undefined) {
      throw new PipelineError(`${file}: CompressedData = True but CompressedDataSize is missing`, { file, field: 'CompressedDataSize' });
    }
    compressedDataSize = Number(sizeText);
    if (!Number.isInteger(compressedDataSize) || compressedDataSize < 1) {
      throw fieldError(file, 'CompressedDataSize', sizeText, 'must be a positive integer');
    }
    if (compressedDataSize > available) {
      throw fieldError(file, 'CompressedDataSize', sizeText, `but only ${available} bytes follow the header (truncated file)`);
    }
  } else if (available !== dataBytes) {
    throw fieldError(
      file,
      'DimSize',
      dimText,
      `with ${elementType} needs ${dataBytes} bytes of pixel data but ${available} bytes follow the header (${available < dataBytes ? 'truncated file' : 'trailing bytes'})`,
    );
  }

  return {
    nDims,
    dimSize,
    elementType,
    elementBytes,
    spacing,
    origin,
    transformMatrix,
    compressed,
    compressedDataSize,
    byteOrderMSB,
    dataOffset,
    dataBytes,
    fields,
  };
}

function checkOrthonormal(file: string, field: string, text: string, m: number[], n: number, tol: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += m[i * n + k]! * m[j * n + k]!;
      const want = i === j ? 1 : 0;
      if (Math.abs(dot - want) > tol) {
        throw fieldError(file, field, text, `is not orthonormal: row ${i} . row ${j} = ${dot.toFixed(4)}, expected ${want}`);
      }
    }
  }
}

/** ITK direction (row-major, column j = axis j) from a MetaImage TransformMatrix (row i = axis i): the transpose. */
export function directionFromTransformMatrix(matrix: readonly number[], n: number): number[] {
  const out = new Array<number>(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) out[r * n + c] = matrix[c * n + r]!;
  return out;
}
