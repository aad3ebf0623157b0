// Stimulus folders in: files from a folder drop (any depth) or an <input webkitdirectory>, with their
// paths, in the CLI's order (plain code-unit sort of the path, as `insilico-eeg encode --images DIR`).

export interface PathedFile {
  file: File;
  /** Path inside what was dropped or picked, '/'-separated, e.g. "stimuli/faces/f01.png". */
  path: string;
}

/** Files the page ignores in a folder: OS droppings that are no stimuli. */
const JUNK = /(^|\/)(\.[^/]*|Thumbs\.db|desktop\.ini)$/i;

export function sortByPath(files: PathedFile[]): PathedFile[] {
  return files.filter((f) => !JUNK.test(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The condition a path implies: the folder that holds the file, when it is a subfolder of what was
 * picked ("stimuli/faces/f01.png" -> "faces"; deeper nesting takes the innermost folder). Files at
 * the top of the picked folder, and loose files, have none.
 */
export function conditionFromPath(path: string): string | undefined {
  const parts = path.split('/').filter(Boolean);
  return parts.length >= 3 ? parts[parts.length - 2] : undefined;
}

/** An <input webkitdirectory>'s files carry webkitRelativePath ("picked/sub/file.png"). */
export function fromFileList(list: Iterable<File>): PathedFile[] {
  return sortByPath([...list].map((file) => ({ file, path: file.webkitRelativePath || file.name })));
}

interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath: string;
}
interface FileEntry extends Entry {
  file(ok: (f: File) => void, fail: (e: unknown) => void): void;
}
interface DirEntry extends Entry {
  createReader(): { readEntries(ok: (es: Entry[]) => void, fail: (e: unknown) => void): void };
}

async function walk(entry: Entry, out: PathedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileEntry).file(ok, fail));
    out.push({ file, path: entry.fullPath.replace(/^\//, '') || file.name });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as DirEntry).createReader();
  // readEntries hands out a directory in pieces (100 at a time in Chromium) until it returns none.
  for (;;) {
    const batch = await new Promise<Entry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (!batch.length) break;
    for (const e of batch) await walk(e, out);
  }
}

/**
 * Everything a drop holds: folders are walked to any depth. The entries must be taken from the
 * DataTransfer before the first await (the browser empties it when the drop handler returns).
 */
export async function fromDataTransfer(dt: DataTransfer): Promise<PathedFile[]> {
  const entries: Entry[] = [];
  const loose: File[] = [];
  const items = dt.items ? [...dt.items] : [];
  for (const it of items) {
    if (it.kind !== 'file') continue;
    const e = (it as DataTransferItem & { webkitGetAsEntry?: () => Entry | null }).webkitGetAsEntry?.();
    if (e) entries.push(e);
    else {
      const f = it.getAsFile();
      if (f) loose.push(f);
    }
  }
  // Synthetic DataTransfers (paste, tests) may expose files but no entries.
  if (!entries.length && !loose.length) loose.push(...(dt.files ? [...dt.files] : []));
  const out: PathedFile[] = loose.map((file) => ({ file, path: file.name }));
  for (const e of entries) await walk(e, out);
  const anyFolder = entries.some((e) => e.isDirectory);
  // Loose files keep the order they were dropped in (as before folders existed); folders are sorted.
  return anyFolder ? sortByPath(out) : out;
}

/** SHA-256 of a file's bytes, hex: equal bytes, equal hash, whatever the files are called. */
export async function fileHash(file: Blob): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  let s = '';
  for (const b of d) s += b.toString(16).padStart(2, '0');
  return s;
}
