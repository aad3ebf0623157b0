// NumPy .npy files (format versions 1.0, 2.0 and 3.0): header parsing, reading numeric,
// string and (through the safe unpickler) object arrays, and writing.
// Spec: numpy/lib/format.py. Magic "\x93NUMPY", major, minor, header length (u16 for v1,
// u32 for v2/v3), then a Python dict literal padded with spaces and ended by '\n'.

import { BergError } from '../core/errors.ts';
import { ByteSource, ProgressCallback, SequentialReader } from './byte_source.ts';
import { arrayLimitProblem, decodeNumeric, decodeStrings, Dtype, NdArray, NumericArray, parseDescr, product, UnsupportedDtypeError } from './dtype.ts';
import { MAX_NPY_HEADER_BYTES, MAX_NPY_HEADER_DEPTH } from './limits.ts';
import { PickleValue, unpickleFrom } from './pickle.ts';

export { NdArray } from './dtype.ts';
export type { NumericArray } from './dtype.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export class NpyError extends BergError {
  constructor(message: string) {
    super(message, 'NpyError');
  }
}

export interface NpyHeader {
  version: [number, number];
  dtype: Dtype;
  shape: number[];
  fortranOrder: boolean;
  /** Offset of the array data: magic + version + length field + header text. */
  headerLength: number;
}

/** The result of reading an .npy: an NdArray plus where its data started. */
export interface NpyArray<T extends NdArray['data'] = NdArray['data']> extends NdArray<T> {
  headerLength: number;
}

// ---------- header ----------

type PyLit = string | number | boolean | null | PyLit[] | Map<string, PyLit>;

const HEADER_KEYS = ['descr', 'fortran_order', 'shape'];

/**
 * Parses the Python literal numpy writes in the header (dicts, tuples, lists, str, int, bools).
 * Dicts become Maps, so no key (not even "__proto__") reaches an object's prototype; nesting is
 * bounded so a header of brackets cannot exhaust the stack.
 */
function parsePyLiteral(text: string, name: string): PyLit {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const err = (what: string) =>
    new NpyError(`${name}: malformed .npy header (${what} at character ${i}): ${JSON.stringify(text.slice(0, 200))}`);
  const parse = (depth: number): PyLit => {
    ws();
    const c = text[i];
    if (c === '{' || c === '(' || c === '[') {
      if (depth >= MAX_NPY_HEADER_DEPTH) throw err(`nested deeper than ${MAX_NPY_HEADER_DEPTH}`);
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: PyLit[] = [];
      const obj = new Map<string, PyLit>();
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        const v = parse(depth + 1);
        ws();
        if (c === '{') {
          if (text[i] !== ':') throw err("expected ':'");
          if (typeof v !== 'string') throw err('a dict key that is not a string');
          i++;
          if (obj.has(v)) throw err(`key ${JSON.stringify(v)} given twice`);
          obj.set(v, parse(depth + 1));
          ws();
        } else items.push(v);
        if (text[i] === ',') i++;
        else if (text[i] !== close) throw err(`expected ',' or '${close}'`);
      }
      return c === '{' ? obj : items;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw err('unterminated string');
      const s = text.slice(i + 1, end);
      if (s.includes('\\')) throw err('escape sequences in strings are not read');
      i = end + 1;
      return s;
    }
    const m = /^(-?\d+L?|True|False|None)/.exec(text.slice(i, i + 64));
    if (!m) throw err('unexpected token');
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace(/L$/, ''));
  };
  const v = parse(0);
  ws();
  if (i !== text.length) throw err('trailing characters');
  return v;
}

function headerFromText(text: string, version: [number, number], headerLength: number, name: string): NpyHeader {
  const d = parsePyLiteral(text, name);
  if (!(d instanceof Map)) throw new NpyError(`${name}: the .npy header is not a dict`);
  const keys = [...d.keys()].sort();
  // numpy refuses a header whose keys are not exactly these three
  if (keys.join() !== HEADER_KEYS.join()) {
    throw new NpyError(`${name}: the .npy header has the keys ${JSON.stringify(keys)}; numpy writes exactly ${JSON.stringify(HEADER_KEYS)}`);
  }
  const descr = d.get('descr');
  const fortran_order = d.get('fortran_order');
  const shape = d.get('shape');
  if (Array.isArray(descr) || descr instanceof Map) {
    throw new NpyError(`${name}: structured .npy arrays (record dtypes) are not supported`);
  }
  if (typeof descr !== 'string') throw new NpyError(`${name}: the .npy header's descr is not a dtype string`);
  if (typeof fortran_order !== 'boolean') throw new NpyError(`${name}: the .npy header's fortran_order is not True or False`);
  if (!Array.isArray(shape) || !shape.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
    throw new NpyError(`${name}: the .npy header's shape is not a tuple of non-negative integers`);
  }
  let dtype: Dtype;
  try {
    dtype = parseDescr(descr);
  } catch (e) {
    throw new NpyError(`${name}: ${(e as Error).message}`);
  }
  const problem = arrayLimitProblem(shape as number[], dtype);
  if (problem) throw new NpyError(`${name}: the .npy header describes an array this reader refuses: ${problem}`);
  return { version, dtype, shape: shape as number[], fortranOrder: fortran_order && shape.length > 1, headerLength };
}

function checkMagic(b: Uint8Array, name: string): void {
  for (let i = 0; i < Math.min(b.length, MAGIC.length); i++) {
    if (b[i] !== MAGIC[i]) {
      throw new NpyError(`${name} is not a NumPy .npy file (it does not start with the bytes \\x93NUMPY)`);
    }
  }
}

function checkHeaderLength(name: string, pre: number, hlen: number): void {
  if (pre + hlen > MAX_NPY_HEADER_BYTES) {
    throw new NpyError(
      `${name}: the .npy header is ${pre + hlen} bytes long, more than the ${MAX_NPY_HEADER_BYTES} this reader accepts ` +
        `(numpy writes a few hundred): the file is corrupt or not an array numpy saved`,
    );
  }
}

/** Reads and parses the header; leaves the reader at the start of the data. */
export async function readNpyHeaderFrom(reader: SequentialReader): Promise<NpyHeader> {
  const name = reader.src.name;
  if (reader.size < 12) parseNpyHeader(await reader.src.read(0, reader.size), name); // throws the precise error
  const pre = await reader.view(8, 'the .npy header');
  checkMagic(pre, name);
  const major = pre[6];
  const minor = pre[7];
  if (major < 1 || major > 3) throw new NpyError(`${name}: .npy format version ${major}.${minor} is not supported (1.0-3.0 are)`);
  const lenBytes = await reader.view(major === 1 ? 2 : 4, 'the .npy header');
  const lv = new DataView(lenBytes.buffer, lenBytes.byteOffset, lenBytes.byteLength);
  const hlen = major === 1 ? lv.getUint16(0, true) : lv.getUint32(0, true);
  checkHeaderLength(name, major === 1 ? 10 : 12, hlen);
  const textBytes = await reader.take(hlen, 'the .npy header');
  return headerFromText(decodeHeaderText(textBytes, major, name), [major, minor], reader.position, name);
}

// ---------- reading ----------

export interface ReadNpyOptions {
  /**
   * Object arrays ('|O') hold a pickle. Only with allowPickle are they read, through
   * the safe unpickler (no code runs; unknown globals are refused).
   */
  allowPickle?: boolean;
  onProgress?: ProgressCallback;
  /** read-ahead buffer size in bytes (default 4 MiB) */
  readAhead?: number;
}

/**
 * Reads an .npy from a byte source, streaming: the data is read straight into its
 * typed array. Object arrays come back with `data` = the list of unpickled items.
 */
export async function readNpy(src: ByteSource, opts: ReadNpyOptions = {}): Promise<NpyArray> {
  const reader = new SequentialReader(src, 0, { readAhead: opts.readAhead, onProgress: opts.onProgress });
  const h = await readNpyHeaderFrom(reader);
  const count = product(h.shape);
  if (h.dtype.kind === 'O') {
    if (!opts.allowPickle) {
      throw new NpyError(`${src.name} holds pickled Python objects (dtype object), which were not expected here`);
    }
    reader.what = 'the pickle';
    let v: PickleValue;
    try {
      v = await unpickleFrom(reader);
    } catch (e) {
      // the pickle's errors name the byte, not the file
      if (e instanceof BergError && !e.message.startsWith(src.name)) e.message = `${src.name}: ${e.message}`;
      throw e;
    }
    if (!(v instanceof NdArray) || v.dtype !== '|O') {
      throw new NpyError(`${src.name}: the pickle in this object .npy is not an object ndarray`);
    }
    return Object.assign(v, { headerLength: h.headerLength }) as NpyArray;
  }
  const nbytes = count * h.dtype.itemsize;
  const left = src.size - h.headerLength;
  if (left < nbytes) {
    throw new NpyError(
      `${src.name}: the file ends inside the array data at byte ${src.size} ` +
        `(shape (${h.shape}) ${h.dtype.descr} needs ${nbytes} bytes after the ${h.headerLength}-byte header): ` +
        `the file is truncated, download it again`,
    );
  }
  const bytes = await reader.take(nbytes, 'the array data');
  const data = h.dtype.kind === 'U' || h.dtype.kind === 'S' ? decodeStrings(bytes, h.dtype, count) : decodeNumeric(bytes, h.dtype, count, true);
  const a = new NdArray(h.dtype.descr, h.shape, data, h.fortranOrder);
  return Object.assign(a, { headerLength: h.headerLength }) as NpyArray;
}

/**
 * Parses .npy bytes held in memory, synchronously. Numeric and string arrays only;
 * object (pickled) arrays need readNpy(..., { allowPickle: true }).
 */
export function parseNpy(bytes: Uint8Array, name = 'npy'): NpyArray<NumericArray | string[]> {
  const h = parseNpyHeader(bytes, name);
  if (h.dtype.kind === 'O') {
    throw new NpyError(`${name} holds pickled Python objects (dtype object); read it with readNpy and allowPickle`);
  }
  const count = product(h.shape);
  const nbytes = count * h.dtype.itemsize;
  if (bytes.length - h.headerLength < nbytes) {
    throw new NpyError(
      `${name}: the file ends inside the array data at byte ${bytes.length} ` +
        `(shape (${h.shape}) ${h.dtype.descr} needs ${nbytes} bytes after the ${h.headerLength}-byte header): ` +
        `the file is truncated, download it again`,
    );
  }
  const body = bytes.subarray(h.headerLength, h.headerLength + nbytes);
  const data = h.dtype.kind === 'U' || h.dtype.kind === 'S' ? decodeStrings(body, h.dtype, count) : decodeNumeric(body, h.dtype, count, false);
  return Object.assign(new NdArray(h.dtype.descr, h.shape, data, h.fortranOrder), { headerLength: h.headerLength });
}

/** Parses the header at the start of `bytes` (synchronous). */
export function parseNpyHeader(bytes: Uint8Array, name = 'npy'): NpyHeader {
  const trunc = () =>
    new NpyError(`${name}: the file ends inside the .npy header at byte ${bytes.length}: the file is truncated, download it again`);
  if (bytes.length === 0) throw new NpyError(`${name} is empty`);
  checkMagic(bytes.subarray(0, Math.min(6, bytes.length)), name);
  if (bytes.length < 10) throw trunc();
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) throw new NpyError(`${name}: .npy format version ${major}.${minor} is not supported (1.0-3.0 are)`);
  const pre = major === 1 ? 10 : 12;
  if (bytes.length < pre) throw trunc();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  checkHeaderLength(name, pre, hlen); // before the truncation check: callers pass the first 64 KiB
  if (bytes.length < pre + hlen) throw trunc();
  return headerFromText(decodeHeaderText(bytes.subarray(pre, pre + hlen), major, name), [major, minor], pre + hlen, name);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeHeaderText(b: Uint8Array, major: number, name: string): string {
  if (major === 3) {
    // version 3 headers are UTF-8 (numpy refuses invalid bytes); 1 and 2 are latin-1
    try {
      return utf8.decode(b).trim();
    } catch {
      throw new NpyError(`${name}: the .npy header (format 3.0) is not valid UTF-8`);
    }
  }
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]); // latin-1
  return s.trim();
}

// ---------- writing ----------

const DESCR_OF: [new (...a: never[]) => ArrayBufferView, string][] = [
  [Float32Array, '<f4'],
  [Float64Array, '<f8'],
  [Uint8Array, '|u1'],
  [Int8Array, '|i1'],
  [Uint16Array, '<u2'],
  [Int16Array, '<i2'],
  [Uint32Array, '<u4'],
  [Int32Array, '<i4'],
  [BigInt64Array, '<i8'],
  [BigUint64Array, '<u8'],
];

function descrFor(data: NumericArray): string {
  for (const [ctor, d] of DESCR_OF) if (data instanceof ctor) return d;
  throw new NpyError('writeNpy: unsupported typed array');
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The .npy header for an array of this shape and dtype; the data (shape product x
 * itemsize bytes, little-endian) follows. Written up front so large arrays can be
 * streamed to disk after it. Total length is a multiple of 64, as numpy writes it.
 */
export function npyHeader(shape: readonly number[], descr: string, fortranOrder = false): Uint8Array {
  const d = parseDescr(descr);
  if (d.kind === 'O') throw new NpyError('npyHeader: object arrays cannot be written');
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${d.descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  for (const version of [1, 2]) {
    const pre = version === 1 ? 10 : 12;
    const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
    if (version === 1 && total - pre > 0xffff) continue;
    const hlen = total - pre;
    dict = dict.padEnd(hlen - 1, ' ') + '\n';
    const out = new Uint8Array(total);
    out.set(MAGIC, 0);
    out[6] = version;
    out[7] = 0;
    const dv = new DataView(out.buffer);
    if (version === 1) dv.setUint16(8, hlen, true);
    else dv.setUint32(8, hlen, true);
    for (let i = 0; i < dict.length; i++) out[pre + i] = dict.charCodeAt(i);
    return out;
  }
  throw new NpyError('npyHeader: header too long');
}

export interface WriteNpyOptions {
  /**
   * Override the dtype written for the typed array's bytes, e.g. '|b1' for a
   * Uint8Array of 0/1, '<f2' for a Uint16Array of float16 bits.
   */
  descr?: string;
  fortranOrder?: boolean;
}

/** An .npy file (little-endian, C order unless fortranOrder) that numpy.load reads as is. */
export function writeNpy(shape: readonly number[], data: NumericArray, opts: WriteNpyOptions = {}): Uint8Array {
  const descr = opts.descr ?? descrFor(data);
  const d = parseDescr(descr);
  if (d.byteOrder === '>') throw new NpyError('writeNpy writes little-endian data only');
  if (d.itemsize !== data.BYTES_PER_ELEMENT) {
    throw new NpyError(`writeNpy: dtype ${descr} does not match a ${data.constructor.name}`);
  }
  const n = product(shape);
  if (data.length !== n) throw new NpyError(`writeNpy: ${data.length} values for shape (${shape.join(', ')})`);
  if (!LITTLE_ENDIAN) throw new UnsupportedDtypeError('writeNpy: big-endian hosts are not supported');
  const header = npyHeader(shape, descr, opts.fortranOrder);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.length);
  return out;
}
