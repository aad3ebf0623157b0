// A stored gallery image coming back on a reload: with what decoding found (size, square mode,
// EXIF) it is ready at once, so its response key is known without decoding; a record saved before
// those were kept, or one whose pixels this session's modes would make differently, decodes first.
import { describe, expect, it } from 'vitest';
import { newImageId, nextImageNumber, reserveImageId, reserveImageNumber, restoredImage, snapshot, snapshotFile, storedImage } from '../../src/app/state/session_sync.ts';
import { useApp, type AppState, type ImageItem } from '../../src/app/state/store.ts';

const file = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' });
const decoded = (p: Partial<ImageItem> = {}): ImageItem => ({
  id: 'i7',
  name: 'faces/f07.png',
  path: 'set/faces/f07.png',
  hash: 'a'.repeat(64),
  file,
  status: 'ready',
  condition: 'faces',
  width: 320,
  height: 240,
  squareMode: 'crop',
  exifOrientation: null,
  orientationApplied: false,
  transparent: true,
  thumb: 'blob:x',
  ...p,
});
const state = (p: Partial<AppState> = {}): AppState => ({ ...useApp.getInitialState(), ...p });
// through JSON, as state.json keeps it
const roundTrip = (it: ImageItem) => JSON.parse(JSON.stringify(storedImage(it)));

describe('session restore', () => {
  it('an image stored after decoding comes back ready with its key facts and no thumbnail yet', () => {
    const back = restoredImage(roundTrip(decoded()), file, state());
    expect(back).toMatchObject({ id: 'i7', status: 'ready', width: 320, height: 240, squareMode: 'crop', exifOrientation: null, orientationApplied: false, transparent: true, condition: 'faces' });
    expect(back.thumb).toBeUndefined();
    expect(back.square).toBeUndefined();
  });

  it('a session saved before these facts were kept, or an image not decoded yet, decodes first', () => {
    const old = roundTrip(decoded());
    for (const k of ['width', 'height', 'squareMode', 'exifOrientation', 'orientationApplied', 'transparent']) delete old[k];
    expect(restoredImage(old, file, state()).status).toBe('decoding');
    expect(restoredImage(roundTrip(decoded({ status: 'decoding', width: undefined, height: undefined, squareMode: undefined })), file, state()).status).toBe('decoding');
  });

  it("the session's file is JSON.stringify of its snapshot, and a changed image (a new item) or view is written anew", async () => {
    const now = new Date('2026-03-04T05:06:07Z');
    const images = [decoded(), decoded({ id: 'i8', status: 'error' }), decoded({ id: 'i9', hash: undefined }), decoded({ id: 'i10', condition: undefined, meta: { rt: '512' } })];
    const s = state({ images, cursor: 42, conditions: ['faces'] });
    const snap = snapshotFile(s, now);
    expect(await snap.file.text()).toBe(JSON.stringify(snapshot(s, now)));
    // the same state an hour later: only the time differs
    const later = snapshotFile(s, new Date('2026-03-04T06:06:07Z'));
    expect([later.images, later.rest]).toEqual([snap.images, snap.rest]);
    expect(await later.file.text()).toBe(JSON.stringify(snapshot(s, new Date('2026-03-04T06:06:07Z'))));
    const renamed = state({ ...s, images: [{ ...images[0], condition: 'houses' }, ...images.slice(1)] });
    const text = await snapshotFile(renamed, now).file.text();
    expect(text).toBe(JSON.stringify(snapshot(renamed, now)));
    expect(JSON.parse(text).images[0].condition).toBe('houses');
    // a view change alone: the same image list text, another rest
    const moved = snapshotFile(state({ ...renamed, cursor: 43 }), now);
    expect(moved.images).toBe(snapshotFile(renamed, now).images);
    expect(moved.rest).not.toBe(snapshotFile(renamed, now).rest);
    expect(await moved.file.text()).toBe(JSON.stringify(snapshot(state({ ...renamed, cursor: 43 }), now)));
  });

  it('a long new list is serialised a slice at a time, each call going on from the last, to the same file', async () => {
    const now = new Date('2026-03-04T05:06:07Z');
    const images = Array.from({ length: 200 }, (_, k) => decoded({ id: `s${k}`, name: `img${k}.png` }));
    const s = state({ images });
    // a budget already spent: each call serialises 64 more images, then yields
    let calls = 1;
    let snap = snapshotFile(s, now, -1);
    while (!snap) {
      calls++;
      snap = snapshotFile(s, now, -1);
    }
    expect(calls).toBe(4);
    expect(await snap.file.text()).toBe(JSON.stringify(snapshot(s, now)));
    // a new list whose images keep their stored facts (a thumbnail landed): the same parts
    const thumbs = snapshotFile(state({ images: images.map((it) => ({ ...it, thumb: 'blob:x' })) }), now);
    expect(thumbs.images.parts).toBe(snap.images.parts);
  });

  it("image ids never repeat: the session keeps its counter, so a removed image's id (under which its response stays stored) is not given again", () => {
    // a session that had i1..i9 and removed the last ones keeps its counter past them
    reserveImageId('i3');
    const before = nextImageNumber();
    const a = newImageId();
    expect(a).toBe(`i${before}`);
    const saved = JSON.parse(JSON.stringify(snapshot(state({ images: [] }))));
    expect(saved.next_image_id).toBe(before + 1);
    // a reload: the stored images alone would allow i4 again; the counter does not
    reserveImageId('i3');
    reserveImageNumber(saved.next_image_id);
    expect(newImageId()).toBe(`i${before + 1}`);
    // nothing that is not a counter moves it
    for (const bad of [undefined, 'x', -1, 1.5]) reserveImageNumber(bad);
    expect(nextImageNumber()).toBe(before + 2);
  });

  it('decodes again where the stored pixels are not the ones this session makes', () => {
    // a non-square image squared by another global mode than its pixels were made with
    expect(restoredImage(roundTrip(decoded()), file, state({ globalMode: 'pad-black' })).status).toBe('decoding');
    // a square image is the same under every mode
    expect(restoredImage(roundTrip(decoded({ width: 256, height: 256 })), file, state({ globalMode: 'pad-black' })).status).toBe('ready');
    // its own mode wins over the global one
    expect(restoredImage(roundTrip(decoded({ mode: 'pad-black', squareMode: 'pad-black' })), file, state()).status).toBe('ready');
    // an EXIF-turned image stored turned, restored with the switch on 'ignore'
    const turned = decoded({ exifOrientation: 6, orientationApplied: true, width: 240, height: 320 });
    expect(restoredImage(roundTrip(turned), file, state({ exifOrientation: 'apply' })).status).toBe('ready');
    expect(restoredImage(roundTrip(turned), file, state({ exifOrientation: 'ignore' })).status).toBe('decoding');
  });
});
