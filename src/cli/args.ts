// Minimal --flag value parsing for the CLI; unknown flags are errors, not silently ignored.

export class UsageError extends Error {}

export function parseFlags(argv: string[], known: string[], booleans: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}'`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (!known.includes(name) && !booleans.includes(name)) {
      throw new UsageError(`unknown option --${name}; known: ${[...known, ...booleans].map((k) => '--' + k).join(' ')}`);
    }
    if (booleans.includes(name)) {
      out[name] = 'true';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    out[name] = value;
  }
  return out;
}

export function required(flags: Record<string, string>, name: string): string {
  const v = flags[name];
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}
