// Preloaded into a benchmarked child (`node --import ./bench/report-rss.mjs …`): at exit, writes the
// process's peak resident set size (KiB, from getrusage) to the file named by MXRAY_BENCH_RSS_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.MXRAY_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
