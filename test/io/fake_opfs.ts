// An in-memory stand-in for the origin-private file system (the subset browser_store.ts uses:
// directory and file handles, createWritable, removeEntry, keys; read-only sync access handles
// when asked for), with an optional quota that throws QuotaExceededError like a browser, and a
// StorageManager-like estimate().

export class FakeFs {
  /** bytes the "site" may store; writes beyond it throw QuotaExceededError */
  quota = Infinity;
  /** estimate() reports this quota instead of the real one (to test the up-front check) */
  reportedQuota: number | null = null;
  readonly root = new FakeDir(this, '');
  writes = 0;
  /**
   * Files offer read-only sync access handles (createSyncAccessHandle), as in a worker. Set it
   * after writing: the store's writer would use them too, and these do not write.
   */
  syncReads = false;
  /** most bytes one sync read returns (a browser may return fewer than asked) */
  syncReadLimit = Infinity;
  /** sync access handles opened (their mode) and still open */
  syncModes: string[] = [];
  syncOpen = 0;

  usage(): number {
    return this.root.bytes();
  }

  async estimate(): Promise<StorageEstimate> {
    return { quota: this.reportedQuota ?? (Number.isFinite(this.quota) ? this.quota : 1e12), usage: this.usage() };
  }

  /** "models/x/y.bin" -> bytes, every file in the tree */
  files(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    const walk = (d: FakeDir, pre: string) => {
      for (const [n, c] of d.children) {
        if (c instanceof FakeDir) walk(c, `${pre}${n}/`);
        else out.set(pre + n, c.data);
      }
    };
    walk(this.root, '');
    return out;
  }

  /** every folder path (ending in '/') */
  dirs(): string[] {
    const out: string[] = [];
    const walk = (d: FakeDir, pre: string) => {
      for (const [n, c] of d.children) {
        if (c instanceof FakeDir) {
          out.push(`${pre}${n}/`);
          walk(c, `${pre}${n}/`);
        }
      }
    };
    walk(this.root, '');
    return out;
  }

  handle(): FileSystemDirectoryHandle {
    return this.root as unknown as FileSystemDirectoryHandle;
  }
}

interface FakeSyncHandle {
  getSize(): number;
  read(into: Uint8Array, o: { at: number }): number;
  close(): void;
}

const notFound = (name: string) => new DOMException(`${name}: not found`, 'NotFoundError');

class FakeDir {
  readonly kind = 'directory';
  children = new Map<string, FakeDir | FakeFile>();
  /** removed from its parent: like a browser's handle then, every use is NotFoundError */
  removed = false;
  constructor(
    readonly fs: FakeFs,
    readonly name: string,
  ) {}

  bytes(): number {
    let n = 0;
    for (const c of this.children.values()) n += c instanceof FakeDir ? c.bytes() : c.data.length;
    return n;
  }

  private live() {
    if (this.removed) throw notFound(this.name);
  }

  private markRemoved() {
    this.removed = true;
    for (const c of this.children.values()) if (c instanceof FakeDir) c.markRemoved();
  }

  async getDirectoryHandle(name: string, o: { create?: boolean } = {}): Promise<FakeDir> {
    this.live();
    const c = this.children.get(name);
    if (c instanceof FakeDir) return c;
    if (c) throw new DOMException(`${name} is a file`, 'TypeMismatchError');
    if (!o.create) throw notFound(name);
    const d = new FakeDir(this.fs, name);
    this.children.set(name, d);
    return d;
  }

  async getFileHandle(name: string, o: { create?: boolean } = {}): Promise<FakeFile> {
    this.live();
    const c = this.children.get(name);
    if (c instanceof FakeFile) return c;
    if (c) throw new DOMException(`${name} is a folder`, 'TypeMismatchError');
    if (!o.create) throw notFound(name);
    const f = new FakeFile(this.fs, name);
    this.children.set(name, f);
    return f;
  }

  async removeEntry(name: string, o: { recursive?: boolean } = {}): Promise<void> {
    this.live();
    const c = this.children.get(name);
    if (!c) throw notFound(name);
    if (c instanceof FakeDir && c.children.size && !o.recursive) throw new DOMException(`${name} is not empty`, 'InvalidModificationError');
    this.children.delete(name);
    if (c instanceof FakeDir) c.markRemoved();
  }

  async *keys(): AsyncGenerator<string> {
    this.live();
    for (const k of [...this.children.keys()]) yield k;
  }
}

class FakeFile {
  readonly kind = 'file';
  data = new Uint8Array(0);
  constructor(
    readonly fs: FakeFs,
    readonly name: string,
  ) {}

  get createSyncAccessHandle(): ((o?: { mode?: string }) => Promise<FakeSyncHandle>) | undefined {
    if (!this.fs.syncReads) return undefined;
    return async (o = {}) => {
      const fs = this.fs;
      const data = this.data;
      fs.syncModes.push(o.mode ?? 'readwrite');
      fs.syncOpen++;
      let open = true;
      return {
        getSize: () => data.length,
        read(into: Uint8Array, { at }: { at: number }) {
          if (!open) throw new DOMException('closed', 'InvalidStateError');
          const n = Math.max(0, Math.min(into.length, data.length - at, fs.syncReadLimit));
          into.set(data.subarray(at, at + n));
          return n;
        },
        close() {
          if (open) fs.syncOpen--;
          open = false;
        },
      };
    };
  }

  async getFile(): Promise<File> {
    return new File([this.data.slice()], this.name);
  }

  async createWritable() {
    // like a browser: writes go to a swap buffer, committed on close
    const parts: Uint8Array[] = [];
    let size = 0;
    return {
      write: async (b: Uint8Array) => {
        const room = this.fs.quota - this.fs.usage() + this.data.length - size;
        if (b.length > room) throw new DOMException('quota exceeded', 'QuotaExceededError');
        parts.push(b.slice());
        size += b.length;
      },
      close: async () => {
        const out = new Uint8Array(size);
        let o = 0;
        for (const p of parts) {
          out.set(p, o);
          o += p.length;
        }
        this.data = out;
        this.fs.writes++;
      },
      abort: async () => {},
    };
  }
}
