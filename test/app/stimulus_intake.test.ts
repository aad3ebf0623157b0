import { describe, expect, it } from 'vitest';
import { conditionFromPath, fromDataTransfer, sortByPath } from '../../src/app/folder_input.ts';
import { matcher, parseDelimited, parseStimulusList } from '../../src/app/stimulus_list.ts';

describe('folder intake', () => {
  it('sorts by path as the CLI sorts names, and drops OS files', () => {
    const f = (path: string) => ({ file: new File([], path.split('/').pop()!), path });
    const got = sortByPath([f('s/b/2.png'), f('s/a/10.png'), f('s/.DS_Store'), f('s/a/2.png'), f('s/B.png'), f('s/a/Thumbs.db')]).map((x) => x.path);
    expect(got).toEqual(['s/B.png', 's/a/10.png', 's/a/2.png', 's/b/2.png']);
  });

  it('takes the innermost subfolder as the condition; top-level files have none', () => {
    expect(conditionFromPath('stimuli/faces/f01.png')).toBe('faces');
    expect(conditionFromPath('stimuli/animate/dog/d1.png')).toBe('dog');
    expect(conditionFromPath('stimuli/x.png')).toBeUndefined();
    expect(conditionFromPath('x.png')).toBeUndefined();
  });

  it('walks dropped folders to any depth, reading directories in pieces', async () => {
    const file = (fullPath: string) => ({ isFile: true, isDirectory: false, name: fullPath.split('/').pop()!, fullPath, file: (ok: (f: File) => void) => ok(new File(['x'], fullPath.split('/').pop()!)) });
    const dir = (fullPath: string, kids: object[]) => ({
      isFile: false,
      isDirectory: true,
      name: fullPath.split('/').pop()!,
      fullPath,
      createReader: () => {
        // two pieces, then an empty one, as Chromium hands out large directories
        const pieces = [kids.slice(0, 1), kids.slice(1), []];
        return { readEntries: (ok: (e: object[]) => void) => ok(pieces.shift()!) };
      },
    });
    const root = dir('/set', [dir('/set/b', [file('/set/b/1.png')]), dir('/set/a', [dir('/set/a/deep', [file('/set/a/deep/9.png')]), file('/set/a/3.png')]), file('/set/0.png')]);
    const dt = { items: [{ kind: 'file', webkitGetAsEntry: () => root, getAsFile: () => null }], files: [] } as unknown as DataTransfer;
    const got = await fromDataTransfer(dt);
    expect(got.map((g) => g.path)).toEqual(['set/0.png', 'set/a/3.png', 'set/a/deep/9.png', 'set/b/1.png']);
  });
});

describe('stimulus list', () => {
  it('parses quoted CSV fields with separators, quotes and newlines', () => {
    expect(parseDelimited('a,b\r\n"x, y","say ""hi""\nthere"\n', ',')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
    ]);
  });

  it('finds the file and condition columns and keeps the rest as metadata', () => {
    const l = parseStimulusList('\ufeffid,Image,category,luminance\n1,faces/f1.png,face,0.4\n2,h1.png,house,0.7\n', 'list.csv');
    expect(l.fileColumn).toBe('Image');
    expect(l.conditionColumn).toBe('category');
    expect(l.rows[0]).toEqual({ file: 'faces/f1.png', condition: 'face', meta: { id: '1', luminance: '0.4' } });
  });

  it('reads TSV by extension or by a tab-only header', () => {
    expect(parseStimulusList('file\tcondition\na.png\tx\n', 'l.txt').rows[0].condition).toBe('x');
    expect(parseStimulusList('file\tcondition\tnote\na.png\tx,y\tz\n', 'l.tsv').rows[0]).toEqual({ file: 'a.png', condition: 'x,y', meta: { note: 'z' } });
  });

  it('matches by path suffix at folder boundaries, and by a file name only when unique', () => {
    const l = parseStimulusList('file,condition\nfaces/1.png,F\nhouses/1.png,H\nonly.png,O\n', 'l.csv');
    const find = matcher(l);
    expect(find('set/faces/1.png')?.condition).toBe('F');
    expect(find('set/houses/1.png')?.condition).toBe('H');
    expect(find('set/other/1.png')).toBeUndefined(); // "1.png" names two rows
    expect(find('set/x/only.png')?.condition).toBe('O');
    expect(find('set/myfaces/1.png')).toBeUndefined();
  });

  it('refuses a list without rows', () => {
    expect(() => parseStimulusList('file,condition\n', 'l.csv')).toThrow(/header row and at least one row/);
  });
});
