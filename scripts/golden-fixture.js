#!/usr/bin/env node
// Writes test/fixtures/report-sni-dependent.json: the demo lab's sni-dependent scenario, tested
// with a clock that stands at 2026-11-23 10:00 UTC and ticks 0.5 ms per reading, then with the
// lab's random ports and resolver replaced by fixed ones so the golden files stay stable.
// Run after `npm run build` when the Report changes; then UPDATE_GOLDEN=1 for the golden files.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { runDemo } = await import(join(root, 'dist/demo/run-demo.js'));
let ticks = 0;
const clock = { now: () => Date.parse('2026-11-23T10:00:00Z'), monotonic: () => (ticks += 0.5), sleep: (ms) => new Promise((r) => setTimeout(r, ms).unref()) };
const [result] = await runDemo({ only: ['sni-dependent'], clock });
let text = JSON.stringify(result.report, null, 2);
const port = result.report.body.hosts[0].port;
text = text.replaceAll(`:${port}`, ':2525').replaceAll(`port ${port}`, 'port 2525').replaceAll(`"port": ${port}`, '"port": 2525');
text = text.replaceAll(result.report.body.dns.resolver, '127.0.0.53:53');
writeFileSync(join(root, 'test/fixtures/report-sni-dependent.json'), `${text}\n`);
process.stdout.write('wrote test/fixtures/report-sni-dependent.json\n');
