// A safe, streaming reader for the pickles numpy writes (np.save of object arrays,
// pickled sklearn estimators). It executes nothing: every global the pickle names is
// looked up in a fixed allow-list, and the few allowed "calls" are interpreted here
// (rebuild an ndarray, a dtype, a numpy scalar, an estimator's attribute dict).
//
// Supported: protocols 0-5 binary opcodes plus the few text ones numpy's pickles can
// contain (GLOBAL, PUT/GET, INT/LONG/FLOAT). Out-of-band buffers (NEXT_BUFFER),
// persistent ids and extension codes are refused.

import { BergError } from '../core/errors.ts';
import { ByteSource, memoryByteSource, ProgressCallback, SequentialReader, TruncatedError } from './byte_source.ts';
import { arrayLimitProblem, decodeNumeric, decodeStrings, NdArray, parseDescr, product } from './dtype.ts';
import { MAX_NDIM, MAX_PICKLE_INT_BYTES, PICKLE_COPY_SLACK_BYTES } from './limits.ts';

/** A Python object rebuilt from a pickle. Tuples and lists both become arrays. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | NdArray
  | NumpyDtype
  | PyGlobal
  | PickleDict;

/** A dict (string keys; other keys are stringified) or an estimator: {__class__: 'module.Name', ...state}. */
export interface PickleDict {
  [key: string]: PickleValue;
}

/** A numpy dtype object (numpy.dtype(...) + its BUILD state). */
export class NumpyDtype {
  constructor(
    /** the constructor argument, e.g. 'f4', 'U5', 'O8' */
    readonly base: string,
    /** byte order from the BUILD state; '=' until then (native, taken as little-endian) */
    public byteOrder: string = '=',
  ) {}

  get descr(): string {
    const order = this.byteOrder === '=' ? '<' : this.byteOrder;
    return parseDescr(order + this.base.replace(/^([OUSa])\d+$/, (m, k) => (k === 'O' ? 'O' : m))).descr;
  }
}

/** A reference to an allowed global that was not called (e.g. numpy.ndarray itself). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  toString(): string {
    return `${this.module}.${this.name}`;
  }
}

/** The pickle is malformed or asks for something this reader refuses. */
export class PickleError extends BergError {
  constructor(message: string) {
    super(message, 'PickleError');
  }
}

type Role =
  | 'reconstruct'
  | 'ndarray'
  | 'dtype'
  | 'scalar'
  | 'frombuffer'
  | 'codecs_encode'
  | 'empty_bytes'
  | 'copyreg_reconstructor'
  | 'copyreg_newobj'
  | 'object'
  | 'estimator';

const NUMPY_GLOBALS: Record<string, Role> = {
  'numpy.core.multiarray._reconstruct': 'reconstruct',
  'numpy._core.multiarray._reconstruct': 'reconstruct',
  'numpy.ndarray': 'ndarray',
  'numpy.dtype': 'dtype',
  // the modules numpy itself fetches dtype from, should a pickler record those
  'numpy.core.multiarray.dtype': 'dtype',
  'numpy._core.multiarray.dtype': 'dtype',
  'numpy.core.multiarray.scalar': 'scalar',
  'numpy._core.multiarray.scalar': 'scalar',
  // protocol 5 in-band buffers: np.ndarray.__reduce_ex__(5)
  'numpy.core.numeric._frombuffer': 'frombuffer',
  'numpy._core.numeric._frombuffer': 'frombuffer',
  // protocol 2 writes bytes as _codecs.encode(str, 'latin1')
  '_codecs.encode': 'codecs_encode',
  // ... and empty bytes as bytes()
  '__builtin__.bytes': 'empty_bytes',
  'builtins.bytes': 'empty_bytes',
  'copyreg._reconstructor': 'copyreg_reconstructor',
  'copy_reg._reconstructor': 'copyreg_reconstructor',
  'copyreg.__newobj__': 'copyreg_newobj',
  'builtins.object': 'object',
  '__builtin__.object': 'object',
};

/** Estimators whose pickled state (a plain attribute dict) may be read. */
export const ALLOWED_ESTIMATORS = new Set([
  'sklearn.decomposition._pca.PCA',
  'sklearn.decomposition.pca.PCA',
  'sklearn.decomposition.PCA',
  'sklearn.preprocessing._data.StandardScaler',
  'sklearn.preprocessing.data.StandardScaler',
  'sklearn.preprocessing.StandardScaler',
  'sklearn.linear_model._base.LinearRegression',
  'sklearn.linear_model.base.LinearRegression',
  'sklearn.linear_model.LinearRegression',
]);

class Callable {
  constructor(
    readonly role: Role,
    readonly qualname: string,
  ) {}
}

export interface UnpickleOptions {
  /** Bytes held ahead of the parser (default 4 MiB); large payloads bypass it. */
  readAhead?: number;
  onProgress?: ProgressCallback;
}

function resolveGlobal(module: string, name: string): Callable {
  const q = `${module}.${name}`;
  const role = NUMPY_GLOBALS[q];
  if (role) return new Callable(role, q);
  if (ALLOWED_ESTIMATORS.has(q)) return new Callable('estimator', q);
  throw new PickleError(
    `refusing to load pickle global ${q}: only numpy arrays, numpy scalars, dicts, lists, strings ` +
      `and known sklearn estimators are allowed`,
  );
}

function setKey(d: PickleDict, key: PickleValue, value: PickleValue): void {
  const k = typeof key === 'string' ? key : String(key);
  // defineProperty so a key named "__proto__" is stored as data, not as the prototype
  Object.defineProperty(d, k, { value, writable: true, enumerable: true, configurable: true });
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new PickleError('array data string is not latin-1');
    out[i] = c;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array, at: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new PickleError(`invalid UTF-8 string in the pickle at byte ${at}`);
  }
}

function leInt(bytes: Uint8Array): bigint {
  // little-endian two's complement (LONG1/LONG4); one hex parse, linear in the length
  if (bytes.length === 0) return 0n;
  let hex = '';
  for (let i = bytes.length - 1; i >= 0; i--) hex += bytes[i].toString(16).padStart(2, '0');
  let v = BigInt('0x' + hex);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v;
}

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function asShape(v: unknown, what: string): number[] {
  const shape = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new PickleError(`${what}: array shape is not a tuple of non-negative ints`);
  }
  if (shape.length > MAX_NDIM) throw new PickleError(`${what}: array has ${shape.length} dimensions (at most ${MAX_NDIM} are read)`);
  return shape as number[];
}

function asDtype(v: unknown, what: string): NumpyDtype {
  if (!(v instanceof NumpyDtype)) throw new PickleError(`${what}: expected a numpy dtype`);
  return v;
}

/**
 * Buffers already viewed by an array, so a buffer referenced twice (through the memo) is copied,
 * never shared or swapped twice; and the bytes such copies (and re-decoded strings) cost, which
 * may not exceed the pickle's own size by more than a little.
 */
interface ArrayBudget {
  used: WeakSet<Uint8Array>;
  copied: number;
  readonly limit: number;
}

function spend(budget: ArrayBudget, bytes: number, what: string): void {
  budget.copied += bytes;
  if (budget.copied > budget.limit) {
    throw new PickleError(
      `${what}: the pickle rebuilds more array data from shared buffers (${budget.copied} bytes) than it holds: ` +
        `the file is corrupt or built to exhaust memory`,
    );
  }
}

/** Builds the array data, its shape and dtype checked against the limits first. */
function arrayData(
  dtypeObj: NumpyDtype,
  shape: number[],
  raw: PickleValue,
  budget: ArrayBudget,
  what: string,
): NdArray['data'] {
  const dtype = parseDescr(dtypeObj.descr);
  const problem = arrayLimitProblem(shape, dtype);
  if (problem) throw new PickleError(`${what}: ${problem}`);
  const count = product(shape);
  if (dtype.kind === 'O') {
    if (!Array.isArray(raw)) throw new PickleError(`${what}: object array data is not a list`);
    if (raw.length !== count) throw new PickleError(`${what}: object array has ${raw.length} items for shape (${shape})`);
    return raw;
  }
  let bytes: Uint8Array;
  let owned = false;
  if (raw instanceof Uint8Array) {
    bytes = raw;
    owned = !budget.used.has(raw);
    budget.used.add(raw);
    if (!owned) spend(budget, raw.length, what);
  } else if (typeof raw === 'string') {
    spend(budget, raw.length, what);
    bytes = latin1(raw);
  }
  else if (Array.isArray(raw)) {
    throw new PickleError(`${what}: a numeric array stored as a list is not supported`);
  } else throw new PickleError(`${what}: array data is not bytes`);
  if (bytes.length !== count * dtype.itemsize) {
    throw new PickleError(
      `${what}: array of shape (${shape}) and dtype ${dtype.descr} needs ${count * dtype.itemsize} bytes, the pickle holds ${bytes.length}`,
    );
  }
  if (dtype.kind === 'U' || dtype.kind === 'S') return decodeStrings(bytes, dtype, count);
  return decodeNumeric(bytes, dtype, count, owned);
}

function scalarValue(dtypeObj: NumpyDtype, raw: PickleValue, budget: ArrayBudget): PickleValue {
  const dtype = parseDescr(dtypeObj.descr);
  if (dtype.kind === 'O') return raw;
  if (dtype.kind === 'S') {
    if (!(raw instanceof Uint8Array)) throw new PickleError('numpy bytes scalar without bytes');
    let end = raw.length;
    while (end > 0 && raw[end - 1] === 0) end--;
    return raw.slice(0, end);
  }
  const data = arrayData(dtypeObj, [1], raw, budget, 'numpy scalar');
  const v = (data as ArrayLike<unknown>)[0];
  if (dtype.kind === 'b') return v !== 0;
  if (typeof v === 'bigint') return narrow(v);
  return v as number | string;
}

/** Reads one pickle from `src` starting at `offset`. */
export async function unpickle(src: ByteSource, offset = 0, opts: UnpickleOptions = {}): Promise<PickleValue> {
  const reader = new SequentialReader(src, offset, { readAhead: opts.readAhead, onProgress: opts.onProgress, what: 'the pickle' });
  return unpickleFrom(reader);
}

/** Reads one pickle from an in-memory buffer. */
export async function unpickleBytes(bytes: Uint8Array, opts: UnpickleOptions = {}): Promise<PickleValue> {
  return unpickle(memoryByteSource(bytes), 0, opts);
}

const OPNAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND',
  0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET',
  0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2',
  0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

type Item = PickleValue | Callable;

/** Reads one pickle from a positioned reader; leaves the reader just after STOP. */
export function unpickleFrom(reader: SequentialReader): Promise<PickleValue> {
  return new Unpickler(reader).run();
}

/**
 * The pickle machine: its stack, marks and memo; the reads of opcode arguments; and the opcodes
 * by family (constants, containers, objects, memo), each refusing what BERG's files never hold.
 */
class Unpickler {
  private stack: Item[] = [];
  private readonly metastack: Item[][] = [];
  private readonly memo = new Map<number, Item>();
  private readonly budget: ArrayBudget;
  private opPos = 0;
  private opName = '';

  constructor(private readonly reader: SequentialReader) {
    this.budget = { used: new WeakSet(), copied: 0, limit: reader.size + PICKLE_COPY_SLACK_BYTES };
  }

  async run(): Promise<PickleValue> {
    for (;;) {
      this.opPos = this.reader.position;
      const op = await this.reader.u8('the pickle (expected an opcode)');
      this.opName = OPNAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
      switch (op) {
        case 0x80: {
          // PROTO
          const p = await this.reader.u8(this.inside());
          if (p > 5) throw this.fail(`pickle protocol ${p} is newer than this reader (0-5)`);
          break;
        }
        case 0x95: // FRAME: a framing hint only
          await this.reader.view(8, this.inside());
          break;
        case 0x2e: // STOP
          if (this.stack.length !== 1 || this.metastack.length !== 0) throw this.fail('the pickle ends with a malformed stack');
          this.reader.report();
          return this.value(this.stack[0]);
        case 0x28: // MARK
          this.metastack.push(this.stack);
          this.stack = [];
          break;
        case 0x30: // POP
          if (this.stack.length === 0) this.popMark();
          else this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.stack.push(this.top());
          break;
        case 0x97:
          throw this.fail('out-of-band buffers (pickle protocol 5 NEXT_BUFFER) are not supported');
        case 0x50:
        case 0x51:
          throw this.fail('persistent ids are not supported');
        case 0x82:
        case 0x83:
        case 0x84:
          throw this.fail('extension codes (copyreg registry) are not supported');
        case 0x69:
        case 0x6f:
          throw this.fail('old-style instances (INST/OBJ) are not allowed');
        default:
          if ((await this.constant(op)) || this.container(op) || (await this.object(op)) || (await this.memoOp(op))) break;
          throw new PickleError(
            `unsupported pickle opcode ${this.opName} at byte ${this.opPos}: this is not a pickle numpy writes, or the file is corrupt`,
          );
      }
    }
  }

  // ---------------- the stack and the reads ----------------

  private fail(msg: string): PickleError {
    return new PickleError(`pickle opcode ${this.opName} at byte ${this.opPos}: ${msg}`);
  }
  private inside(): string {
    return `the pickle (opcode ${this.opName} at byte ${this.opPos})`;
  }
  private pop(): Item {
    if (this.stack.length === 0) throw this.fail('stack underflow: the pickle is corrupt');
    return this.stack.pop()!;
  }
  private top(): Item {
    if (this.stack.length === 0) throw this.fail('stack underflow: the pickle is corrupt');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): Item[] {
    const items = this.stack;
    const prev = this.metastack.pop();
    if (!prev) throw this.fail('no MARK on the stack: the pickle is corrupt');
    this.stack = prev;
    return items;
  }
  private value(x: Item): PickleValue {
    if (x instanceof Callable) return new PyGlobal(x.qualname.slice(0, x.qualname.lastIndexOf('.')), x.qualname.slice(x.qualname.lastIndexOf('.') + 1));
    return x;
  }
  private values(xs: Item[]): PickleValue[] {
    return xs.map((x) => this.value(x));
  }
  private async u32(): Promise<number> {
    return dv(await this.reader.view(4, this.inside())).getUint32(0, true);
  }
  private async u64(): Promise<number> {
    const big = dv(await this.reader.view(8, this.inside())).getBigUint64(0, true);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail('length too large');
    return Number(big);
  }
  private checkLen(n: number): void {
    const left = this.reader.size - this.reader.position;
    if (n > left) {
      throw new TruncatedError(
        `${this.reader.src.name}: the file ends inside ${this.inside()} at byte ${this.reader.size} ` +
          `(a ${n}-byte payload starts at byte ${this.reader.position}): the file is truncated, download it again`,
      );
    }
  }
  private async readText(n: number): Promise<string> {
    this.checkLen(n);
    return decodeUtf8(await this.reader.take(n, this.inside()), this.opPos);
  }
  private async readBytes(n: number): Promise<Uint8Array> {
    this.checkLen(n);
    return this.reader.take(n, this.inside());
  }
  private async readLine(): Promise<string> {
    let s = '';
    for (;;) {
      const c = await this.reader.u8(this.inside());
      if (c === 0x0a) return s;
      s += String.fromCharCode(c);
      if (s.length > 4096) throw this.fail('text line longer than 4096 bytes');
    }
  }
  private memoGet(i: number): Item {
    if (!this.memo.has(i)) throw this.fail(`memo key ${i} not defined: the pickle is corrupt`);
    return this.memo.get(i)!;
  }

  // ---------------- opcodes by family ----------------

  /** None, booleans, integers, floats, strings and bytes. */
  private async constant(op: number): Promise<boolean> {
    switch (op) {
      case 0x4e:
        this.stack.push(null);
        return true;
      case 0x88:
        this.stack.push(true);
        return true;
      case 0x89:
        this.stack.push(false);
        return true;
      case 0x4a: // BININT
        this.stack.push(dv(await this.reader.view(4, this.inside())).getInt32(0, true));
        return true;
      case 0x4b: // BININT1
        this.stack.push(await this.reader.u8(this.inside()));
        return true;
      case 0x4d: // BININT2
        this.stack.push(dv(await this.reader.view(2, this.inside())).getUint16(0, true));
        return true;
      case 0x8a: {
        // LONG1
        const n = await this.reader.u8(this.inside());
        this.stack.push(narrow(leInt(await this.readBytes(n))));
        return true;
      }
      case 0x8b: {
        // LONG4
        const n = await this.u32();
        if (n > MAX_PICKLE_INT_BYTES) throw this.fail(`integer of ${n} bytes (at most ${MAX_PICKLE_INT_BYTES} are read)`);
        this.stack.push(narrow(leInt(await this.readBytes(n))));
        return true;
      }
      case 0x47: // BINFLOAT (big-endian double)
        this.stack.push(dv(await this.reader.view(8, this.inside())).getFloat64(0, false));
        return true;
      case 0x49: {
        // INT (text); protocol 0 writes bools as I00/I01
        const line = await this.readLine();
        if (line === '00' || line === '01') this.stack.push(line === '01');
        else {
          if (!/^[-+]?\d+$/.test(line)) throw this.fail(`bad INT ${JSON.stringify(line)}`);
          this.stack.push(narrow(BigInt(line)));
        }
        return true;
      }
      case 0x4c: {
        // LONG (text)
        const line = (await this.readLine()).replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(line)) throw this.fail(`bad LONG ${JSON.stringify(line)}`);
        this.stack.push(narrow(BigInt(line)));
        return true;
      }
      case 0x46: {
        // FLOAT (text)
        const line = await this.readLine();
        const v = Number(line);
        if (Number.isNaN(v) && !/nan/i.test(line)) throw this.fail(`bad FLOAT ${JSON.stringify(line)}`);
        this.stack.push(v);
        return true;
      }
      case 0x8c: // SHORT_BINUNICODE
        this.stack.push(await this.readText(await this.reader.u8(this.inside())));
        return true;
      case 0x58: // BINUNICODE
        this.stack.push(await this.readText(await this.u32()));
        return true;
      case 0x8d: // BINUNICODE8
        this.stack.push(await this.readText(await this.u64()));
        return true;
      case 0x55: {
        // SHORT_BINSTRING (Python 2 str): decoded as latin-1, like pickle.load(encoding='latin1')
        const b = await this.readBytes(await this.reader.u8(this.inside()));
        this.stack.push(String.fromCharCode(...b));
        return true;
      }
      case 0x54: {
        // BINSTRING
        const n = dv(await this.reader.view(4, this.inside())).getInt32(0, true);
        if (n < 0) throw this.fail('negative length');
        const b = await this.readBytes(n);
        let s = '';
        for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
        this.stack.push(s);
        return true;
      }
      case 0x43: // SHORT_BINBYTES
        this.stack.push(await this.readBytes(await this.reader.u8(this.inside())));
        return true;
      case 0x42: // BINBYTES: array payloads arrive here, read straight into their own buffer
        this.stack.push(await this.readBytes(await this.u32()));
        return true;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        this.stack.push(await this.readBytes(await this.u64()));
        return true;
      case 0x98: // READONLY_BUFFER: no-op for in-band data
        return true;
      default:
        return false;
    }
  }

  /** Tuples, lists, sets (as lists) and dicts. */
  private container(op: number): boolean {
    switch (op) {
      case 0x29: // EMPTY_TUPLE
        this.stack.push([]);
        return true;
      case 0x74: // TUPLE
        {
          const items = this.values(this.popMark());
          this.stack.push(items);
        }
        return true;
      case 0x85: {
        const a = this.value(this.pop());
        this.stack.push([a]);
        return true;
      }
      case 0x86: {
        const b = this.value(this.pop());
        const a = this.value(this.pop());
        this.stack.push([a, b]);
        return true;
      }
      case 0x87: {
        const c = this.value(this.pop());
        const b = this.value(this.pop());
        const a = this.value(this.pop());
        this.stack.push([a, b, c]);
        return true;
      }
      case 0x5d: // EMPTY_LIST
        this.stack.push([]);
        return true;
      case 0x6c: // LIST
        {
          const items = this.values(this.popMark());
          this.stack.push(items);
        }
        return true;
      case 0x61: {
        // APPEND
        const v = this.value(this.pop());
        const list = this.top();
        if (!Array.isArray(list)) throw this.fail('APPEND to a non-list');
        list.push(v);
        return true;
      }
      case 0x65: {
        // APPENDS
        const items = this.values(this.popMark());
        const list = this.top();
        if (!Array.isArray(list)) throw this.fail('APPENDS to a non-list');
        for (const v of items) list.push(v);
        return true;
      }
      case 0x8f: // EMPTY_SET: sets become arrays
        this.stack.push([]);
        return true;
      case 0x90: {
        // ADDITEMS
        const items = this.values(this.popMark());
        const set = this.top();
        if (!Array.isArray(set)) throw this.fail('ADDITEMS to a non-set');
        for (const v of items) set.push(v);
        return true;
      }
      case 0x91: // FROZENSET
        {
          const items = this.values(this.popMark());
          this.stack.push(items);
        }
        return true;
      case 0x7d: // EMPTY_DICT
        this.stack.push({} as PickleDict);
        return true;
      case 0x64: {
        // DICT
        const items = this.values(this.popMark());
        const d: PickleDict = {};
        for (let i = 0; i + 1 < items.length; i += 2) setKey(d, items[i], items[i + 1]);
        this.stack.push(d);
        return true;
      }
      case 0x73: {
        // SETITEM
        const v = this.value(this.pop());
        const k = this.value(this.pop());
        const d = this.top();
        if (!isPlainDict(d)) throw this.fail('SETITEM on a non-dict');
        setKey(d, k, v);
        return true;
      }
      case 0x75: {
        // SETITEMS
        const items = this.values(this.popMark());
        const d = this.top();
        if (!isPlainDict(d)) throw this.fail('SETITEMS on a non-dict');
        if (items.length % 2) throw this.fail('odd number of items');
        for (let i = 0; i < items.length; i += 2) setKey(d, items[i], items[i + 1]);
        return true;
      }
      default:
        return false;
    }
  }

  /** Globals from the allow-list, calls of them (REDUCE, NEWOBJ) and their state (BUILD). */
  private async object(op: number): Promise<boolean> {
    switch (op) {
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = await this.readLine();
        const name = await this.readLine();
        this.stack.push(resolveGlobal(module, name));
        return true;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = this.value(this.pop());
        const module = this.value(this.pop());
        if (typeof name !== 'string' || typeof module !== 'string') throw this.fail('STACK_GLOBAL names are not strings');
        this.stack.push(resolveGlobal(module, name));
        return true;
      }
      case 0x52: {
        // REDUCE
        const args = this.pop();
        const fn = this.pop();
        this.stack.push(this.call(fn, args));
        return true;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args) for allowed estimators
        this.pop(); // args: estimators are created empty, their state comes with BUILD
        const cls = this.pop();
        if (!(cls instanceof Callable) || cls.role !== 'estimator') throw this.fail(`NEWOBJ of ${describe(cls)} is not allowed`);
        this.stack.push(this.estimator(cls.qualname));
        return true;
      }
      case 0x92: {
        // NEWOBJ_EX
        this.pop();
        this.pop();
        const cls = this.pop();
        if (!(cls instanceof Callable) || cls.role !== 'estimator') throw this.fail(`NEWOBJ_EX of ${describe(cls)} is not allowed`);
        this.stack.push(this.estimator(cls.qualname));
        return true;
      }
      case 0x62: {
        // BUILD
        const state = this.pop();
        this.build(this.top(), state);
        return true;
      }
      default:
        return false;
    }
  }

  /** The memo: PUT and GET in their three encodings. */
  private async memoOp(op: number): Promise<boolean> {
    switch (op) {
      case 0x71: // BINPUT
        this.memo.set(await this.reader.u8(this.inside()), this.top());
        return true;
      case 0x72: // LONG_BINPUT
        this.memo.set(await this.u32(), this.top());
        return true;
      case 0x94: // MEMOIZE
        this.memo.set(this.memo.size, this.top());
        return true;
      case 0x70: {
        // PUT (text)
        const line = await this.readLine();
        if (!/^\d+$/.test(line)) throw this.fail('bad PUT index');
        this.memo.set(Number(line), this.top());
        return true;
      }
      case 0x68: // BINGET
        this.stack.push(this.memoGet(await this.reader.u8(this.inside())));
        return true;
      case 0x6a: // LONG_BINGET
        this.stack.push(this.memoGet(await this.u32()));
        return true;
      case 0x67: {
        // GET (text)
        const line = await this.readLine();
        if (!/^\d+$/.test(line)) throw this.fail('bad GET index');
        this.stack.push(this.memoGet(Number(line)));
        return true;
      }
      default:
        return false;
    }
  }

  // ---------------- calls and state ----------------

  /** REDUCE: one of the allowed callables applied to its argument tuple. */
  private call(fn: Item, argsItem: Item): Item {
    if (!(fn instanceof Callable)) throw this.fail(`REDUCE on ${describe(fn)}, which is not a callable this reader knows`);
    const args = this.value(argsItem);
    if (!Array.isArray(args)) throw this.fail('REDUCE arguments are not a tuple');
    switch (fn.role) {
      case 'reconstruct': {
        const cls = args[0];
        if (!(cls instanceof PyGlobal) || `${cls}` !== 'numpy.ndarray') {
          throw this.fail(`${fn.qualname} of ${describe(cls)}: only numpy.ndarray can be rebuilt`);
        }
        // the real array comes with BUILD; until then an empty placeholder
        return new NdArray('', asShape(args[1], fn.qualname), [] as unknown[]);
      }
      case 'dtype': {
        const spec = args[0];
        if (typeof spec !== 'string') throw this.fail('numpy.dtype of a non-string (structured dtypes are not supported)');
        try {
          parseDescr(spec.replace(/^O\d+$/, 'O'));
        } catch (e) {
          throw this.fail((e as Error).message);
        }
        return new NumpyDtype(spec);
      }
      case 'scalar': {
        const d = asDtype(args[0], fn.qualname);
        return scalarValue(d, args.length > 1 ? args[1] : null, this.budget);
      }
      case 'frombuffer': {
        const [buf, d, shape, order] = args;
        const dt = asDtype(d, fn.qualname);
        const sh = asShape(shape, fn.qualname);
        const fortran = order === 'F';
        return new NdArray(dt.descr, sh, arrayData(dt, sh, buf, this.budget, fn.qualname), fortran && sh.length > 1);
      }
      case 'codecs_encode': {
        const [s, enc] = args;
        if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) {
          throw this.fail('_codecs.encode is only allowed for latin-1 byte strings');
        }
        spend(this.budget, s.length, fn.qualname); // a memo-shared string encoded again is a fresh copy
        return latin1(s);
      }
      case 'empty_bytes':
        if (args.length !== 0) throw this.fail('bytes(...) is only allowed without arguments');
        return new Uint8Array(0);
      case 'copyreg_reconstructor': {
        const [cls, base] = args;
        if (!(cls instanceof PyGlobal) || !ALLOWED_ESTIMATORS.has(`${cls}`) || !(base instanceof PyGlobal) || NUMPY_GLOBALS[`${base}`] !== 'object') {
          throw this.fail(`copyreg._reconstructor of ${describe(cls)} is not allowed`);
        }
        return this.estimator(`${cls}`);
      }
      case 'copyreg_newobj': {
        const cls = args[0];
        if (!(cls instanceof PyGlobal) || !ALLOWED_ESTIMATORS.has(`${cls}`)) throw this.fail(`__newobj__ of ${describe(cls)} is not allowed`);
        return this.estimator(`${cls}`);
      }
      default:
        throw this.fail(`calling ${fn.qualname} is not allowed`);
    }
  }

  private estimator(cls: string): PickleDict {
    const o: PickleDict = {};
    setKey(o, '__class__', cls);
    return o;
  }

  /** BUILD: an ndarray's or dtype's state, or an allowed estimator's attributes. */
  private build(target: Item, stateItem: Item): void {
    const state = this.value(stateItem);
    if (target instanceof NdArray) {
      if (!Array.isArray(state) || (state.length !== 5 && state.length !== 4)) throw this.fail('ndarray state is not a 4- or 5-tuple');
      const [shapeV, dtypeV, fortranV, raw] = state.length === 5 ? state.slice(1) : state;
      const shape = asShape(shapeV, 'ndarray');
      const d = asDtype(dtypeV, 'ndarray');
      const fortran = fortranV === true || fortranV === 1;
      target.shape = shape;
      target.dtype = parseDescr(d.descr).descr;
      target.data = arrayData(d, shape, raw, this.budget, `ndarray ${target.dtype} (${shape})`);
      target.fortranOrder = fortran && shape.length > 1;
      return;
    }
    if (target instanceof NumpyDtype) {
      if (!Array.isArray(state) || state.length < 8) throw this.fail('dtype state is not a tuple of 8 or 9 items');
      const [, order, subarray, names, fields] = state;
      if (subarray !== null || names !== null || fields !== null) {
        throw this.fail('structured or sub-array numpy dtypes are not supported');
      }
      if (typeof order !== 'string' || !['<', '>', '|', '='].includes(order)) throw this.fail('bad dtype byte order');
      target.byteOrder = order;
      return;
    }
    if (isEstimator(target)) {
      let dict = state;
      if (Array.isArray(state) && state.length === 2) {
        // (dict, slotstate)
        const [d, slots] = state;
        for (const part of [d, slots]) {
          if (part === null) continue;
          if (!isPlainDict(part)) throw this.fail('estimator state is not a dict');
          for (const [k, v] of Object.entries(part)) setKey(target, k, v);
        }
        return;
      }
      if (!isPlainDict(dict)) throw this.fail('estimator state is not a dict');
      for (const [k, v] of Object.entries(dict)) if (k !== '__class__') setKey(target, k, v);
      return;
    }
    throw this.fail(`BUILD on ${describe(target)} is not allowed`);
  }
}

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

function isPlainDict(x: unknown): x is PickleDict {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    !(x instanceof Uint8Array) &&
    !(x instanceof NdArray) &&
    !(x instanceof NumpyDtype) &&
    !(x instanceof PyGlobal) &&
    !(x instanceof Callable)
  );
}

function isEstimator(x: unknown): x is PickleDict {
  return isPlainDict(x) && typeof x.__class__ === 'string' && ALLOWED_ESTIMATORS.has(x.__class__);
}

function describe(x: unknown): string {
  if (x instanceof Callable) return x.qualname;
  if (x instanceof PyGlobal) return `${x}`;
  if (x instanceof NdArray) return 'an ndarray';
  if (x instanceof NumpyDtype) return 'a dtype';
  if (x === null) return 'None';
  if (Array.isArray(x)) return 'a tuple/list';
  if (x instanceof Uint8Array) return 'bytes';
  if (isPlainDict(x)) return typeof x.__class__ === 'string' ? `a ${x.__class__}` : 'a dict';
  return typeof x;
}

