// A live status line per MX address on stderr, only on a terminal (never with --json or a pipe).
import type { WriteStream } from 'node:tty';

export interface Progress {
  update(key: string, phase: string): void;
  done(): void;
}

export const silentProgress: Progress = { update() {}, done() {} };

export function terminalProgress(stream: WriteStream): Progress {
  const lines = new Map<string, string>();
  let drawn = 0;
  let closed = false;
  const started = Date.now();
  const draw = () => {
    if (closed) return;
    const cols = Math.max(20, (stream.columns || 80) - 1);
    let out = drawn ? `\x1b[${drawn}A` : '';
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const rows = [...lines].map(([k, p]) => `${p === 'done' ? '✓' : '…'} ${k}  ${p}`.slice(0, cols));
    rows.push(`  ${secs} s`);
    for (const r of rows) out += `\x1b[2K${r}\n`;
    drawn = rows.length;
    stream.write(out);
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  return {
    update(key, phase) {
      lines.set(key, phase);
      draw();
    },
    done() {
      if (closed) return;
      clearInterval(timer);
      if (drawn) stream.write(`\x1b[${drawn}A\x1b[0J`);
      closed = true;
    },
  };
}
