// Model sources for the browser and tests: a URL and in-memory files (Node's directory is
// source_node.ts). The engine only ever asks a ModelSource for files by relative name.
import type { ModelSource } from '../core/source.ts';

/** Files under a base URL (browser and worker: `/models/<model_id>/<subject>/`). */
export function urlSource(baseUrl: string): ModelSource {
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  async function get(name: string): Promise<Response> {
    const res = await fetch(base + name);
    if (!res.ok) throw new Error(`${base + name}: HTTP ${res.status}`);
    return res;
  }
  return {
    location: base,
    readText: async (name) => (await get(name)).text(),
    readBytes: async (name) => new Uint8Array(await (await get(name)).arrayBuffer()),
  };
}

/** In-memory files (tests, and models parsed from dropped BERG files). */
export function memorySource(location: string, files: Map<string, Uint8Array | string>): ModelSource {
  function get(name: string) {
    const f = files.get(name);
    if (f === undefined) throw new Error(`${location}/${name}: no such file`);
    return f;
  }
  return {
    location,
    readText: async (name) => {
      const f = get(name);
      return typeof f === 'string' ? f : new TextDecoder().decode(f);
    },
    readBytes: async (name) => {
      const f = get(name);
      return typeof f === 'string' ? new TextEncoder().encode(f) : f;
    },
  };
}
