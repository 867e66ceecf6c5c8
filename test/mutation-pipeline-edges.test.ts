// Second round against Stryker's survivors in src/pipeline/csv.ts (docs/MUTATION.md): a byte-order mark before
// a quoted header, a last row ending in an empty field, the details of the empty and unclosed-quote errors.
import { describe, it, expect } from 'vitest';
import { parseCsv } from '../src/pipeline/csv.ts';
import { thrown } from './helpers/thrown.ts';


describe('csv edges', () => {
  it('a byte-order mark before a quoted header field is skipped, so the quotes still open the field', () => {
    expect(parseCsv('\ufeff"id,x",b\n1,2\n', 'bom.csv').header).toEqual(['id,x', 'b']);
  });
  it('a last row without a line end that ends in an empty field keeps it', () => {
    expect(parseCsv('a,b\n1,', 'm.csv').rows).toEqual([{ a: '1', b: '' }]);
  });
  it('the empty-file and unclosed-quote errors carry the file and the field', () => {
    const empty = thrown(() => parseCsv('', 'e.csv'));
    expect({ file: empty.file, field: empty.field }, 'empty file').toEqual({ file: 'e.csv', field: 'header' });
    const open = thrown(() => parseCsv('a\n"x', 'q.csv'));
    expect(open.message).toBe('q.csv: line 2: a quoted field is not closed');
    expect({ file: open.file, field: open.field }, 'unclosed quote').toEqual({ file: 'q.csv', field: 'quote' });
  });
});
