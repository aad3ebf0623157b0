// Limits every reader in src/io checks before it allocates or loops (README.md lists them with
// their reasons). Each is far above what BERG's files and our model folders need, and low enough
// that a hostile file fails in bounded time and memory instead of exhausting the process.

/** An .npy header, magic and length field included: a reader of a file's first 64 KiB always has all of it. */
export const MAX_NPY_HEADER_BYTES = 64 * 1024;
/** Brackets nested in an .npy header (numpy writes depth 2: the dict and the shape tuple). */
export const MAX_NPY_HEADER_DEPTH = 8;
/** Dimensions of an array (numpy 2's NPY_MAXDIMS). */
export const MAX_NDIM = 64;
/** Bytes of one array's data (BERG's largest array, one PCA's components, is about 206 MB). */
export const MAX_ARRAY_BYTES = 2 ** 31;
/** Items of one array, whatever its dtype (the largest typed array V8 makes). */
export const MAX_ARRAY_ITEMS = 2 ** 32 - 1;
/** Items of one string array: each is a JS string, even when zero bytes wide (BERG's longest list has 16,540). */
export const MAX_STRING_ITEMS = 1 << 22;
/** Bytes per item of a fixed-width string dtype ('<U262144' or '|S1048576'). */
export const MAX_STRING_ITEMSIZE = 1 << 20;
/**
 * Array bytes a pickle may materialise beyond its own size: a buffer the memo references twice is
 * copied for its second array, so without this a small file could fill memory with copies.
 */
export const PICKLE_COPY_SLACK_BYTES = 1 << 20;
/** Bytes of one pickled Python int (LONG4); numpy's pickles hold small ones only. */
export const MAX_PICKLE_INT_BYTES = 1 << 10;

/**
 * Characters of all strings in a BERG metadata file, counted as often as they are referenced
 * (a memo reference repeats a string for free in the pickle, not in metadata.json).
 */
export const MAX_METADATA_STRING_CHARS = 64 << 20;
/** manifest.json, in bytes. */
export const MAX_MANIFEST_BYTES = 16 << 20;
/** metadata.json, in bytes (a converted BERG subject's is about 3 MB). */
export const MAX_METADATA_JSON_BYTES = 128 << 20;
/** PCA components K (BERG's is 250; four PCAs of 1024 components are 3.4 GB, about what one wasm heap holds). */
export const MAX_COMPONENTS = 1024;
/** Shard files one manifest lists (a K = 250 subject has about 830). */
export const MAX_SHARDS = 100_000;
/** Weights one manifest lists (a subject has at most 26). */
export const MAX_WEIGHTS = 256;
/** Bytes of one shard (the converter writes at most 4 MiB). */
export const MAX_SHARD_BYTES = 256 << 20;
