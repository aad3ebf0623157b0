// Stimulus lists: a CSV or TSV with a header row naming, per image file, its condition and any other
// columns (kept as the image's metadata). Rows match images by path inside the picked folder, or by
// file name where that is unambiguous.

export interface StimulusRow {
  file: string;
  condition?: string;
  meta: Record<string, string>;
}

export interface StimulusList {
  name: string;
  fileColumn: string;
  conditionColumn: string | null;
  rows: StimulusRow[];
}

const FILE_COLS = ['file', 'filename', 'file_name', 'image', 'image_file', 'image_name', 'img', 'stimulus', 'stim', 'path', 'name'];
const COND_COLS = ['condition', 'cond', 'category', 'class', 'label', 'concept', 'group'];

export const isStimulusList = (name: string) => /\.(csv|tsv|tab)$/i.test(name);

/** RFC 4180 fields (quotes, doubled quotes, separators and newlines inside quotes). */
export function parseDelimited(text: string, sep: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // BOM from spreadsheet exports
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === sep) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

export function parseStimulusList(text: string, name: string): StimulusList {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const sep = /\.(tsv|tab)$/i.test(name) || (firstLine.includes('\t') && !firstLine.includes(',')) ? '\t' : ',';
  const rows = parseDelimited(text, sep);
  if (rows.length < 2) throw new Error(`${name}: needs a header row and at least one row`);
  const header = rows[0].map((h) => h.trim());
  const lower = header.map((h) => h.toLowerCase());
  const fi = FILE_COLS.map((c) => lower.indexOf(c)).find((i) => i >= 0) ?? 0;
  const ci = COND_COLS.map((c) => lower.indexOf(c)).find((i) => i >= 0 && i !== fi) ?? -1;
  const out: StimulusRow[] = [];
  for (const r of rows.slice(1)) {
    const file = (r[fi] ?? '').trim();
    if (!file) continue;
    const meta: Record<string, string> = {};
    header.forEach((h, k) => {
      if (k !== fi && k !== ci && h) meta[h] = (r[k] ?? '').trim();
    });
    const condition = ci >= 0 ? (r[ci] ?? '').trim() || undefined : undefined;
    out.push({ file: file.replace(/\\/g, '/'), condition, meta });
  }
  if (!out.length) throw new Error(`${name}: no rows name a file (column "${header[fi]}")`);
  return { name, fileColumn: header[fi], conditionColumn: ci >= 0 ? header[ci] : null, rows: out };
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * The list's row for an image path: an exact path, a row path that ends the image's path at a folder
 * boundary ("faces/f01.png" for "stimuli/faces/f01.png"), or a bare file name that only one row has.
 */
export function matcher(list: StimulusList): (path: string) => StimulusRow | undefined {
  const byPath = new Map<string, StimulusRow>();
  const byBase = new Map<string, StimulusRow | null>();
  for (const r of list.rows) {
    byPath.set(r.file, r);
    const b = base(r.file);
    byBase.set(b, byBase.has(b) ? null : r);
  }
  return (path) => {
    const exact = byPath.get(path);
    if (exact) return exact;
    const parts = path.split('/');
    for (let k = 1; k < parts.length; k++) {
      const r = byPath.get(parts.slice(k).join('/'));
      if (r) return r;
    }
    return byBase.get(base(path)) ?? undefined;
  };
}
