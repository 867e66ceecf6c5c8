// The part of dcmjs (no bundled types) that src/pipeline/dicom.ts and src/app/dicom-seg.ts use.
declare module 'dcmjs' {
  export interface DicomElement {
    vr: string;
    Value?: unknown[];
  }
  export type DenaturalizedDataset = Record<string, DicomElement>;
  export class DicomDict {
    constructor(meta: DenaturalizedDataset);
    meta: DenaturalizedDataset;
    dict: DenaturalizedDataset;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  export class ReadBufferStream {
    constructor(buffer: ArrayBuffer, littleEndian?: boolean | null, options?: { noCopy?: boolean });
  }
  const dcmjs: {
    data: {
      DicomMessage: {
        readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string | null; noCopy?: boolean }): DicomDict;
        _read(stream: ReadBufferStream, syntax: string, options?: { ignoreErrors?: boolean; untilTag?: string | null }): DenaturalizedDataset;
      };
      DicomMetaDictionary: {
        naturalizeDataset(dict: DenaturalizedDataset): Record<string, any>;
        denaturalizeDataset(dataset: Record<string, unknown>): DenaturalizedDataset;
        uid(): string;
      };
      DicomDict: typeof DicomDict;
      ReadBufferStream: typeof ReadBufferStream;
    };
    log: { setLevel(level: string): void; getLogger(name: string): { setLevel(level: string): void } };
  };
  export default dcmjs;
}
