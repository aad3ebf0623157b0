import { describe, expect, it } from 'vitest';
import {
  ADD, F64, F64_ADD, F64_MUL, I32, assemble, body, compileWasm, f64c, f64loadAt, f64storeAt, f64x2add, f64x2mul, get, i32c, set, sleb, uleb, v128load, v128store,
} from '../../src/core/wasm.ts';

describe('WebAssembly encoding (src/core/wasm.ts)', () => {
  it('LEB128 as the format defines it', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it('f64.const is little-endian IEEE double', () => {
    expect(f64c(1)).toEqual([0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(f64c(-2)).toEqual([0x44, 0, 0, 0, 0, 0, 0, 0, 0xc0]);
  });

  it('assembles a module that runs: scalar and f64x2 arithmetic on its memory, locals past 127', () => {
    // scalar(a, k): mem[a] = mem[a] * k + 1.5; pair(a): mem[a..a+16] = mem[a..] * mem[a..] + mem[a + 16..]
    // (the scalar one keeps its operand in local 200, so local indices take two LEB128 bytes)
    const scalar = body(
      [[200, F64]],
      [...get(0), ...f64loadAt(0), ...get(1), F64_MUL, ...f64c(1.5), F64_ADD, ...set(201), ...get(0), ...get(201), ...f64storeAt(0)],
    );
    const pair = body([], [...get(0), ...get(0), ...v128load(0), ...get(0), ...v128load(0), ...f64x2mul, ...get(0), ...i32c(16), ADD, ...v128load(0), ...f64x2add, ...v128store(0)]);
    const bytes = assemble(
      [
        [[I32, F64], []],
        [[I32], []],
      ],
      [
        { name: 'scalar', type: 0, body: scalar },
        { name: 'pair', type: 1, body: pair },
      ],
    );
    const mod = compileWasm(bytes);
    expect(mod).not.toBeNull();
    const memory = new WebAssembly.Memory({ initial: 1 });
    const ex = new WebAssembly.Instance(mod!, { m: { mem: memory } }).exports as { scalar: (a: number, k: number) => void; pair: (a: number) => void };
    const f = new Float64Array(memory.buffer);
    f.set([0.1, 3, 7, 0.2, 1e308]);
    ex.scalar(0, 3);
    expect(f[0]).toBe(0.1 * 3 + 1.5);
    ex.pair(8);
    expect([f[1], f[2]]).toEqual([3 * 3 + 0.2, 7 * 7 + 1e308]);
  });

  it('compileWasm says null for bytes that are not a valid module', () => {
    expect(compileWasm(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]))).toBeNull();
  });
});
