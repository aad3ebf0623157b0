import { describe, expect, it } from 'vitest';
import { FakeFs } from '../io/fake_opfs.ts';
import { SESSION_SCHEMA, SessionStore, type SessionState } from '../../src/app/session_store.ts';
import { packSession, unpackSession } from '../../src/app/session_zip.ts';

const state = (images: SessionState['images']): SessionState => ({ schema: SESSION_SCHEMA, version: 1, saved: '2026-01-01T00:00:00Z', images, view: { cursor: 12, conditions: ['a'] } });
const hash = (c: string) => c.repeat(64);

describe('session store', () => {
  it('keeps state, image bytes (once per content) and responses per tag, and forgets them on clear', async () => {
    const fs = new FakeFs();
    const st = new SessionStore(async () => fs.handle());
    const img = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' });
    await Promise.all([st.saveImage(hash('a'), img), st.saveImage(hash('a'), img)]);
    const r = Float32Array.from({ length: 8 }, (_, i) => i / 3);
    await st.saveResponse('m/demo@wasm:exact', 'i1|crop', r);
    await st.saveState(state([{ id: 'i1', name: 'x.png', hash: hash('a'), type: 'image/png' }]));
    expect(fs.writes).toBe(3);
    const again = new SessionStore(async () => fs.handle());
    expect((await again.loadState())!.view.cursor).toBe(12);
    const f = (await again.image(hash('a'), 'image/png'))!;
    expect(f.type).toBe('image/png');
    expect([...new Uint8Array(await f.arrayBuffer())]).toEqual([1, 2, 3]);
    expect(await again.response('m/demo@wasm:exact', 'i1|crop')).toEqual(r);
    expect(await again.response('m/demo@webgpu:exact', 'i1|crop')).toBeNull();
    await again.clear();
    expect(await again.loadState()).toBeNull();
    expect(fs.files().size).toBe(0);
    // the first store's kept folder handles do not hide that the session went, nor lose its next write
    expect(await st.response('m/demo@wasm:exact', 'i1|crop')).toBeNull();
    await st.saveResponse('m/demo@wasm:exact', 'i2|crop', r);
    expect(await again.responseKeys('m/demo@wasm:exact')).toEqual(new Set(['i2|crop']));
  });

  it('reads a stored response through a read-only sync access handle where the thread has them (a worker), in as many reads as it takes', async () => {
    const fs = new FakeFs();
    const st = new SessionStore(async () => fs.handle());
    const r = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i));
    await st.saveResponse('m/demo@wasm:exact', 'i1|crop', r);
    fs.syncReads = true;
    fs.syncReadLimit = 500; // (a browser may return fewer bytes than asked)
    expect(await st.response('m/demo@wasm:exact', 'i1|crop')).toEqual(r);
    expect(fs.syncModes).toEqual(['read-only']);
    expect(fs.syncOpen).toBe(0);
    expect(await st.response('m/demo@wasm:exact', 'i2|crop')).toBeNull();
  });

  it('refuses a stored response that is not whole float32 values', async () => {
    const fs = new FakeFs();
    const st = new SessionStore(async () => fs.handle());
    await st.saveResponse('m/demo@wasm:exact', 'i1|crop', new Float32Array(4));
    const dir = await (await (await (await (await fs.handle()).getDirectoryHandle('sessions')).getDirectoryHandle('current')).getDirectoryHandle('responses')).getDirectoryHandle(encodeURIComponent('m/demo@wasm:exact'));
    const w = await (await dir.getFileHandle(`${encodeURIComponent('i1|crop')}.f32`)).createWritable();
    await w.write(new Uint8Array(15));
    await w.close();
    await expect(new SessionStore(async () => fs.handle()).response('m/demo@wasm:exact', 'i1|crop')).rejects.toThrow(/15 bytes, not float32 values/);
  });

  it("a removed image's stored responses go, under every tag, mode and EXIF variant; other images' stay", async () => {
    const fs = new FakeFs();
    const st = new SessionStore(async () => fs.handle());
    const r = new Float32Array(8);
    const keys = ['i1|crop', 'i1|pad-black|exif-apply', 'i12|crop', 'i2|crop'];
    for (const tag of ['m/demo@wasm:exact', 'm/demo-2@wasm:exact']) for (const k of keys) await st.saveResponse(tag, k, r);
    await st.dropResponses(['i1', 'i2']);
    for (const tag of ['m/demo@wasm:exact', 'm/demo-2@wasm:exact']) expect(await st.responseKeys(tag)).toEqual(new Set(['i12|crop']));
    expect(await st.response('m/demo@wasm:exact', 'i12|crop')).toEqual(r);
  });

  it('clear waits for the reads already in flight ("New session" while stored images and responses are read)', async () => {
    const fs = new FakeFs();
    // reads started while `held` wait for `release`: they are still in flight when clear is called
    let held = false;
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const writer = new SessionStore(async () => fs.handle());
    const r = Float32Array.from({ length: 8 }, (_, i) => i);
    await writer.saveResponse('t', 'k', r);
    await writer.saveImage(hash('b'), new Blob([new Uint8Array([9])]));
    // a store that has looked up no folder yet (it keeps their handles once it has)
    const st = new SessionStore(async () => {
      if (held) await gate;
      return fs.handle();
    });
    held = true;
    const reads = Promise.all([st.response('t', 'k'), st.image(hash('b'), 'image/png')]);
    held = false;
    const cleared = st.clear();
    await new Promise((done) => setTimeout(done, 20));
    expect(fs.files().size).toBe(2); // nothing removed under the reads
    release();
    const [resp, img] = await reads;
    expect(resp).toEqual(r);
    expect([...new Uint8Array(await img!.arrayBuffer())]).toEqual([9]);
    await cleared;
    expect(fs.files().size).toBe(0);
    expect(await st.response('t', 'k')).toBeNull();
  });

  it('refuses a state file that is not a session', async () => {
    const fs = new FakeFs();
    const st = new SessionStore(async () => fs.handle());
    await st.put('state.json', '{"schema":"other"}');
    await expect(st.loadState()).rejects.toThrow(/not a playground session/);
  });

  it('round-trips through one zip into another store (another machine)', async () => {
    const a = new SessionStore(async () => fsA.handle());
    const fsA = new FakeFs();
    await a.saveImage(hash('b'), new Blob([new Uint8Array(70_000).map((_, i) => i * 7)]));
    await a.saveResponse('t', 'i1|crop', Float32Array.from([1.5, -2, 3]));
    await a.saveState(state([{ id: 'i1', name: 'y.png', hash: hash('b'), type: 'image/png' }]));
    const parts: Uint8Array[] = [];
    await packSession(await a.files(), (c) => parts.push(c));
    const fsB = new FakeFs();
    const b = new SessionStore(async () => fsB.handle());
    const paths = await unpackSession(new Blob(parts as Uint8Array<ArrayBuffer>[]), (p, d) => b.put(p, d));
    expect(paths.sort()).toEqual([`images/${hash('b')}`, 'responses/t/i1%7Ccrop.f32', 'state.json']);
    expect(fsB.files()).toEqual(fsA.files());
    expect((await b.loadState())!.images[0].name).toBe('y.png');
  });

  it('refuses archives with other paths', async () => {
    const parts: Uint8Array[] = [];
    await packSession([['../evil', new Blob(['x'])]], (c) => parts.push(c));
    await expect(unpackSession(new Blob(parts as Uint8Array<ArrayBuffer>[]), async () => {})).rejects.toThrow(/holds "..\/evil"/);
    const none: Uint8Array[] = [];
    await packSession([[`images/${hash('c')}`, new Blob(['x'])]], (c) => none.push(c));
    await expect(unpackSession(new Blob(none as Uint8Array<ArrayBuffer>[]), async () => {})).rejects.toThrow(/no state.json/);
  });
});
