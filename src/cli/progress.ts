// Encoding progress on stderr, for a terminal and for cluster job logs: images done, images/s
// (over the last half minute) and the time left. A terminal gets one line rewritten in place;
// a log (stderr not a TTY) a plain line at most every `logEvery` seconds. Quiet: nothing.

export interface ProgressLine {
  update(done: number): void;
  end(): void;
}

export function progressLine(total: number, o: { quiet?: boolean; from?: number; stream?: NodeJS.WriteStream; logEvery?: number } = {}): ProgressLine {
  const stream = o.stream ?? process.stderr;
  if (o.quiet) return { update() {}, end() {} };
  const tty = Boolean(stream.isTTY);
  const logEvery = (o.logEvery ?? 10) * 1000;
  const t0 = performance.now();
  const seen: Array<[number, number]> = [[t0, o.from ?? 0]]; // (a resumed run starts past 0)
  let lastLog = t0;
  let last = '';
  const fmt = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`);
  return {
    update(done) {
      const now = performance.now();
      seen.push([now, done]);
      while (seen.length > 2 && now - seen[0][0] > 30_000) seen.shift();
      const [t, d] = seen[0];
      const rate = now > t ? ((done - d) * 1000) / (now - t) : 0;
      const left = rate > 0 ? fmt((total - done) / rate) : '?';
      last = `encoded ${done}/${total} images, ${rate.toFixed(1)} img/s, ${done < total ? `${left} left` : `${fmt((now - t0) / 1000)} in all`}`;
      if (tty) stream.write(`\r${last}\x1b[K`);
      else if (done === total || now - lastLog >= logEvery) {
        stream.write(`${last}\n`);
        lastLog = now;
      }
    },
    end() {
      if (tty && last) stream.write('\n');
    },
  };
}
