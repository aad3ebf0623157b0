// A group's running sum as stored beside the responses (sessions/current/sums/<tag>/<group>.sum),
// so that a reload gets its group means back without reading every image's row. The file says
// which rows it is the sum of: the images' pixel keys in the order they were added and the stored
// key of each image's row. A reader trusts it only when the size, header and SHA-256 of the body
// all match (a write cut short is never taken for a sum) and the caller then checks the keys.
//
//   0   8 bytes  magic "EEGSUMS\0"
//   8   u32      format version (1)
//   12  u32      n, the number of images summed
//   16  u32      bytes of the JSON trailer
//   20  u32      0
//   24  32 bytes SHA-256 of everything from byte 56 to the end
//   56  float64  the sum, BLOCK values, little-endian
//   ..  UTF-8    JSON {tag, id, keys, stores}: keys[i] is the i-th image added, stores[i] its row's stored key
import { N_CHANNELS, N_REPETITIONS, N_TIMES } from '../core/types.ts';

const BLOCK = N_REPETITIONS * N_CHANNELS * N_TIMES;

const MAGIC = [0x45, 0x45, 0x47, 0x53, 0x55, 0x4d, 0x53, 0x00];
export const SUM_VERSION = 1;
const HEAD = 56;

/** A running sum with what it is the sum of. */
export interface StoredSum {
  tag: string;
  id: string;
  /** pixel keys, in the order the rows were added */
  keys: string[];
  /** each image's stored key (the row file it was read from) */
  stores: string[];
  sum: Float64Array;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

export async function encodeSum(s: StoredSum): Promise<Uint8Array> {
  if (s.sum.length !== BLOCK || s.keys.length !== s.stores.length) throw new Error('not a group sum');
  const json = new TextEncoder().encode(JSON.stringify({ tag: s.tag, id: s.id, keys: s.keys, stores: s.stores }));
  const out = new Uint8Array(HEAD + BLOCK * 8 + json.length);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(8, SUM_VERSION, true);
  dv.setUint32(12, s.keys.length, true);
  dv.setUint32(16, json.length, true);
  for (let i = 0; i < BLOCK; i++) dv.setFloat64(HEAD + 8 * i, s.sum[i], true);
  out.set(json, HEAD + BLOCK * 8);
  out.set(await sha256(out.subarray(HEAD)), 24);
  return out;
}

/** The sum a file holds, or null when it is not exactly one written by encodeSum for this tag and group. */
export async function decodeSum(bytes: Uint8Array, tag: string, id: string): Promise<StoredSum | null> {
  if (bytes.length < HEAD + BLOCK * 8) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (MAGIC.some((b, i) => bytes[i] !== b) || dv.getUint32(8, true) !== SUM_VERSION) return null;
  const n = dv.getUint32(12, true);
  const jsonBytes = dv.getUint32(16, true);
  if (bytes.length !== HEAD + BLOCK * 8 + jsonBytes) return null;
  const digest = await sha256(bytes.subarray(HEAD));
  for (let i = 0; i < 32; i++) if (digest[i] !== bytes[24 + i]) return null;
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder().decode(bytes.subarray(HEAD + BLOCK * 8)));
  } catch {
    return null;
  }
  const m = meta as Partial<StoredSum>;
  const strings = (a: unknown): a is string[] => Array.isArray(a) && a.length === n && a.every((x) => typeof x === 'string');
  if (m.tag !== tag || m.id !== id || !strings(m.keys) || !strings(m.stores)) return null;
  const sum = new Float64Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) sum[i] = dv.getFloat64(HEAD + 8 * i, true);
  return { tag, id, keys: m.keys, stores: m.stores, sum };
}
