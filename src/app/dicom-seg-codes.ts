// The coded anatomy of the SEG segments (docs/DICOM.md cites where each code comes from). Category: CID 7150
// "Anatomical Structure". Types: the vertebra (CID 6114), the vertebral canal (CID 6115), and per level the
// vertebrae of CID 7603 and the discs of CID 7604. DICOM's content mapping resource has no code for "an
// intervertebral disc" without its level, so the 3-class disc segment carries a private code (99SPINESEG), and with
// --levels every disc segment gets its own CID 7604 code. Every segment's anatomic region is the lumbar spine
// (CID 4031). Colours are the overlays' (src/app/overlay.ts).
import { CLASS_COLOURS } from './overlay.ts';
import { levelName, parseLevelCode, levelShortName } from '../pipeline/level-codes.ts';

export interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

export interface SegmentDefinition {
  /** the value of this segment in the label map it is drawn from (class 1-3, or a SPIDER level code) */
  value: number;
  label: string;
  category: Code;
  type: Code;
  region: Code;
  rgb: [number, number, number];
}

const sct = (CodeValue: string, CodeMeaning: string): Code => ({ CodeValue, CodingSchemeDesignator: 'SCT', CodeMeaning });

export const ANATOMICAL_STRUCTURE = sct('91723000', 'Anatomical Structure');
export const LUMBAR_SPINE = sct('122496007', 'Lumbar spine');
export const VERTEBRA = sct('51282000', 'Vertebra');
export const VERTEBRAL_CANAL = sct('61853006', 'Vertebral canal');
export const INTERVERTEBRAL_DISC: Code = { CodeValue: 'IVD', CodingSchemeDesignator: '99SPINESEG', CodeMeaning: 'Intervertebral disc' };

/** CID 7603 Vertebra: SNOMED CT codes by name. */
const CID_7603: Record<string, string> = {
  C1: '14806007', C2: '39976000', C3: '113205007', C4: '5329002', C5: '36978003', C6: '36054005', C7: '87391001',
  T1: '64864005', T2: '53733008', T3: '1626008', T4: '73071006', T5: '56401006', T6: '45296009', T7: '62487009', T8: '11068009', T9: '82687006', T10: '7610001', T11: '12989004', T12: '23215003',
  L1: '66794005', L2: '14293000', L3: '36470004', L4: '11994002', L5: '49668003',
};

/** CID 7604 Intervertebral Disc: SNOMED CT codes by name. */
const CID_7604: Record<string, string> = {
  'C2/C3': '1078209008', 'C3/C4': '58820006', 'C4/C5': '49400002', 'C5/C6': '73959003', 'C6/C7': '75095006', 'C7/T1': '37414007',
  'T1/T2': '40908007', 'T2/T3': '6004007', 'T3/T4': '2620004', 'T4/T5': '82965004', 'T5/T6': '72692000', 'T6/T7': '74401007', 'T7/T8': '28693002', 'T8/T9': '9188009', 'T9/T10': '113209001', 'T10/T11': '34959001', 'T11/T12': '1537001', 'T12/L1': '76206002',
  'L1/L2': '80064006', 'L2/L3': '67459009', 'L3/L4': '62551000', 'L4/L5': '84020006', 'L5/S1': '715056000',
};

/** The three classes of the 3-class label map. */
export function classSegments(): SegmentDefinition[] {
  return [
    { value: 1, label: 'Vertebrae', category: ANATOMICAL_STRUCTURE, type: VERTEBRA, region: LUMBAR_SPINE, rgb: CLASS_COLOURS[1]! },
    { value: 2, label: 'Spinal canal', category: ANATOMICAL_STRUCTURE, type: VERTEBRAL_CANAL, region: LUMBAR_SPINE, rgb: CLASS_COLOURS[2]! },
    { value: 3, label: 'Intervertebral discs', category: ANATOMICAL_STRUCTURE, type: INTERVERTEBRAL_DISC, region: LUMBAR_SPINE, rgb: CLASS_COLOURS[3]! },
  ];
}

/** One segment per SPIDER level code (src/pipeline/level-codes.ts), named as levelName names it. */
export function levelSegment(code: number): SegmentDefinition {
  const p = parseLevelCode(code);
  if (!p) throw new Error(`label code ${code} is not a SPIDER level code`);
  const short = levelShortName(code);
  const base = { value: code, label: levelName(code), category: ANATOMICAL_STRUCTURE, region: LUMBAR_SPINE };
  if (p.kind === 'canal') return { ...base, type: VERTEBRAL_CANAL, rgb: CLASS_COLOURS[2]! };
  if (p.kind === 'vertebra') return { ...base, type: CID_7603[short] ? sct(CID_7603[short]!, `${short} vertebra`) : VERTEBRA, rgb: CLASS_COLOURS[1]! };
  return { ...base, type: CID_7604[short] ? sct(CID_7604[short]!, `${short} disc`) : INTERVERTEBRAL_DISC, rgb: CLASS_COLOURS[3]! };
}

/** sRGB (0-255) to DICOM's RecommendedDisplayCIELabValue: L* a* b* (D65) scaled to 0-65535 (PS3.3 C.10.7.1.1). */
export function rgbToDicomLab([r, g, b]: readonly number[]): [number, number, number] {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const [R, G, B] = [lin(r!), lin(g!), lin(b!)];
  const X = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047;
  const Y = 0.2126 * R + 0.7152 * G + 0.0722 * B;
  const Z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const L = 116 * f(Y) - 16;
  const a = 500 * (f(X) - f(Y));
  const bb = 200 * (f(Y) - f(Z));
  const clamp = (v: number) => Math.max(0, Math.min(65535, Math.round(v)));
  return [clamp((L * 65535) / 100), clamp(((a + 128) * 65535) / 255), clamp(((bb + 128) * 65535) / 255)];
}

/** The 3-class map's class (1 vertebra, 2 canal, 3 disc) a segment's type code stands for; 0 for other anatomy. */
export function semanticClassOfCode(type: Pick<Code, 'CodeValue' | 'CodingSchemeDesignator'>): number {
  const is = (c: Code) => c.CodeValue === type.CodeValue && c.CodingSchemeDesignator === type.CodingSchemeDesignator;
  if (is(VERTEBRA) || (type.CodingSchemeDesignator === 'SCT' && Object.values(CID_7603).includes(type.CodeValue))) return 1;
  if (is(VERTEBRAL_CANAL)) return 2;
  if (is(INTERVERTEBRAL_DISC) || (type.CodingSchemeDesignator === 'SCT' && Object.values(CID_7604).includes(type.CodeValue))) return 3;
  return 0;
}
