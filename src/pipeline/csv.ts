// CSV as cohort manifests, failure lists and statistics tables use it: RFC 4180 (comma, double quotes,
// CRLF or LF), a header row, every row as wide as the header. Errors name the file, the row and the field.
import { PipelineError } from './errors.ts';

export interface CsvTable {
  header: string[];
  /** one record per data row, keyed by the header's names */
  rows: Array<Record<string, string>>;
  /** 1-based line number of each data row in the file, for error messages */
  lines: number[];
}

/** Splits CSV text into records of fields (quoted fields may hold commas, quotes and line breaks). */
function records(text: string, file: string): Array<{ fields: string[]; line: number }> {
  const out: Array<{ fields: string[]; line: number }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark from spreadsheet exports
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) out.push({ fields, line: start });
    fields = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else field += c;
  }
  if (quoted) throw new PipelineError(`${file}: line ${start}: a quoted field is not closed`, { file, field: 'quote' });
  if (field !== '' || fields.length > 0) endRecord();
  return out;
}

/** Parses CSV text with a header row; blank lines are skipped, a row of another width is an error. */
export function parseCsv(text: string, file: string): CsvTable {
  const all = records(text, file);
  if (all.length === 0) throw new PipelineError(`${file}: empty (expected a header row)`, { file, field: 'header' });
  const header = all[0]!.fields.map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new PipelineError(`${file}: header names column ${JSON.stringify(h)} twice`, { file, field: 'header', value: h });
    seen.add(h);
  }
  const rows: Array<Record<string, string>> = [];
  const lines: number[] = [];
  for (const { fields, line } of all.slice(1)) {
    if (fields.length !== header.length) throw new PipelineError(`${file}: line ${line}: ${fields.length} fields, the header has ${header.length}`, { file, field: `line ${line}`, value: fields.length });
    rows.push(Object.fromEntries(header.map((h, k) => [h, fields[k]!])));
    lines.push(line);
  }
  return { header, rows, lines };
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV text (LF line ends) of `rows` in the column order of `header`; absent fields are empty. */
export function formatCsv(header: readonly string[], rows: ReadonlyArray<Record<string, string | number | null | undefined>>): string {
  const lines = [header.map(quote).join(',')];
  for (const r of rows) lines.push(header.map((h) => quote(r[h] === undefined || r[h] === null ? '' : String(r[h]))).join(','));
  return lines.join('\n') + '\n';
}
