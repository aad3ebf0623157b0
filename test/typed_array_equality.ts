// Setup file (vite.config.ts test.setupFiles): toEqual and toStrictEqual compare typed arrays
// with one loop. Vitest's own comparison walks them as generic iterables and then again as
// Object.entries, one recursive call per element, seconds per million values, and many tests
// compare whole weight arrays. The verdict is the one it gives on the arrays tests compare: the
// same constructor, length and elements by Object.is (so -0 differs from 0, NaN equals NaN).
// Properties set on an array object besides its elements are not compared (listing them costs as
// much as the default comparison). A failure still prints vitest's usual diff.
import { expect } from 'vitest';

type Typed = ArrayLike<number | bigint> & ArrayBufferView;

const isTyped = (v: unknown): v is Typed => ArrayBuffer.isView(v) && !(v instanceof DataView);

function typedArraysEqual(a: unknown, b: unknown): boolean | undefined {
  if (!isTyped(a) || !isTyped(b)) return undefined;
  if (a.constructor !== b.constructor || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

expect.addEqualityTesters([typedArraysEqual]);
