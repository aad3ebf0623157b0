// Where a model folder's files come from: a directory in Node, a URL in the browser,
// or files the user dropped. The engine only ever asks for files by relative name.

export interface ModelSource {
  /** Human-readable location, used in error messages. */
  readonly location: string;
  readText(name: string): Promise<string>;
  readBytes(name: string): Promise<Uint8Array>;
  /**
   * The shards' sha256 were checked when this folder was stored (the browser's model store):
   * loads then check their lengths only, which saves a pass over the gigabyte of weights.
   */
  readonly checkedWhenStored?: boolean;
}
