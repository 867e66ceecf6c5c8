// DICOM input on files (Node): the paths given (folders searched recursively, files taken as they are) are read,
// recognised as DICOM by content, parsed and grouped into series (src/pipeline/dicom.ts); the page does the same
// with dropped Files (web/src/dicom.ts). Files that are not DICOM are counted, not read further.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { groupSeries, parseDicom, sniffDicom, type DicomObject, type DicomReadOptions, type DicomSeries } from '../pipeline/dicom.ts';

export interface DicomScan {
  /** the paths as given, for messages */
  source: string;
  series: DicomSeries[];
  /** files that are not DICOM */
  skipped: string[];
}

/** Every regular file under the paths (folders recursively, hidden entries skipped), sorted per folder. */
export function filesUnder(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isFile()) out.push(p);
    else if (st.isDirectory()) for (const name of readdirSync(p).sort()) if (!name.startsWith('.')) walk(join(p, name));
  };
  for (const p of paths) {
    try {
      statSync(p);
    } catch {
      throw new Error(`${p}: no such file or folder`);
    }
    walk(p);
  }
  return out;
}

/** True when any file under the paths is DICOM by content (reads only the first 132 bytes of each). */
export function holdsDicom(paths: readonly string[]): boolean {
  return filesUnder(paths).some((f) => sniffDicom(readHead(f)) !== null);
}

function readHead(file: string): Uint8Array {
  const bytes = readFileSync(file);
  return bytes.length > 4096 ? bytes.subarray(0, 4096) : bytes;
}

/** Reads and groups the DICOM files under the paths; `onFile` reports progress. */
export function scanDicom(paths: readonly string[], options: DicomReadOptions = {}, onFile?: (done: number, total: number) => void): DicomScan {
  const files = filesUnder(paths);
  const objects: DicomObject[] = [];
  const skipped: string[] = [];
  files.forEach((file, i) => {
    const bytes = new Uint8Array(readFileSync(file));
    if (sniffDicom(bytes) === null) skipped.push(file);
    else objects.push(parseDicom(file, bytes, options));
    onFile?.(i + 1, files.length);
  });
  const source = paths.length === 1 ? paths[0]! : `${paths[0]} (+${paths.length - 1} more)`;
  if (objects.length === 0) throw new Error(`${source}: no DICOM file (${files.length} files read, none with a DICM preamble or an implicit-VR data set)`);
  return { source, series: groupSeries(objects), skipped };
}

/** The line that says how many files were not DICOM, or null when none. */
export function skippedLine(scan: DicomScan): string | null {
  if (scan.skipped.length === 0) return null;
  const shown = scan.skipped.slice(0, 3).join(', ');
  return `skipped ${scan.skipped.length} non-DICOM file${scan.skipped.length === 1 ? '' : 's'} (${shown}${scan.skipped.length > 3 ? ', ...' : ''})`;
}
