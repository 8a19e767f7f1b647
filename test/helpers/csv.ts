/**
 * A strict RFC 4180 parser for the tests: CRLF record ends, fields quoted with '"' ('""' inside), nothing
 * after a closing quote but a comma or a line end, every record as wide as the header. Throws on anything
 * else, so a CSV that Excel would misread fails the test.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = text.length;
  if (n === 0) throw new Error('empty CSV');
  while (i < n) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < n && text[i] !== ',' && !text.startsWith('\r\n', i)) throw new Error(`unexpected "${text[i]}" after a closing quote at ${i}`);
    } else {
      while (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`quote inside an unquoted field at ${i}`);
        field += text[i++];
      }
      if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) throw new Error(`bare line break at ${i}: records end with CRLF`);
    }
    row.push(field);
    if (text[i] === ',') {
      i++;
      if (i >= n) throw new Error('a comma ends the file');
      continue;
    }
    if (text.startsWith('\r\n', i)) i += 2;
    rows.push(row);
    row = [];
  }
  const width = rows[0]?.length ?? 0;
  rows.forEach((r, k) => {
    if (r.length !== width) throw new Error(`record ${k} has ${r.length} fields, the header ${width}`);
  });
  return rows;
}

/** The CSV's records as objects keyed by the header. */
export function csvRecords(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}
