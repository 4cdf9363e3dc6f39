#!/usr/bin/env node
// Benchmark: rendering the demo lab's reports (every scenario) to text, Markdown and HTML, in this
// process, after one warm-up pass. Target (issue 15): all of them, in all three formats, ≤ 50 ms.
// There is no peer tool that renders such reports; the figure stands next to its target.
// Usage: node bench/render.js [--runs N]   (after npm run build)
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;

const { runDemo } = await import(join(root, 'dist/demo/run-demo.js'));
const { renderText } = await import(join(root, 'dist/render/text.js'));
const { renderMarkdown } = await import(join(root, 'dist/render/markdown.js'));
const { renderHtml } = await import(join(root, 'dist/render/html.js'));

const reports = (await runDemo({})).map((r) => r.report);
const formats = {
  text: (r) => renderText(r, { brief: true }),
  'text --details --explain': (r) => renderText(r, { explain: true }),
  markdown: (r) => renderMarkdown(r, { explain: true }),
  html: (r) => renderHtml(r, { explain: true }),
};
const renderAll = (fn) => {
  let bytes = 0;
  for (const r of reports) bytes += fn(r).length;
  return bytes;
};
for (const fn of Object.values(formats)) renderAll(fn); // warm-up: compile the renderers once

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = [];
const totals = [];
for (let i = 0; i < RUNS; i++) {
  let total = 0;
  for (const [name, fn] of Object.entries(formats)) {
    const t0 = performance.now();
    const bytes = renderAll(fn);
    const ms = performance.now() - t0;
    // The total counts the fullest text (details and explanations), not the short first screen.
    if (name !== 'text') total += ms;
    (rows[name] ??= { ms: [], bytes }).ms.push(ms);
  }
  totals.push(total);
}
console.log(`mxray render bench — ${reports.length} demo lab reports, ${RUNS} runs (Node ${process.version})\n`);
for (const [name, r] of Object.entries(rows)) console.log(`${name.padEnd(26)} ${median(r.ms).toFixed(2).padStart(7)} ms  (${(r.bytes / 1024).toFixed(0)} KiB)`);
const total = median(totals);
console.log(`\ntarget text (--details --explain) + Markdown + HTML of all ${reports.length} reports ≤ 50 ms: ${total.toFixed(2)} ms ${total <= 50 ? 'MET' : 'MISSED'}`);
