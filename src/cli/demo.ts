import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { listLabScenarios } from '../demo/lab.js';
import { runDemo, startLabWithDns } from '../demo/run-demo.js';
import { renderText } from '../render/text.js';
import { table, wrap } from '../render/style.js';
import type { Run } from './commands.js';
import { addReportOptions, type ReportOptions } from './options.js';
import { emit, formatOf, renderReport, styleFor, widthFor } from './output.js';
import { receiverDocument } from '../render/receiver.js';
import { stdout } from './stdout.js';

interface DemoOpts extends ReportOptions {
  only?: string;
  list?: boolean;
  serve?: boolean;
}

/** Keeps the lab running for hand tests, printing the options that point `mxray check` at it. */
async function serveLab(only: string[] | undefined): Promise<void> {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const running = await startLabWithDns({ now: Date.now(), ...(only ? { only } : {}) });
  const dir = mkdtempSync(join(tmpdir(), 'mxray-lab-'));
  const caFile = join(dir, 'demo-root.pem');
  writeFileSync(caFile, running.lab.trustedCaPem);
  const connect = [...running.lab.hostMap].map(([host, m]) => `--connect ${host}=${m.address}:${m.port}`).join(' ');
  try {
    await stdout().write(
      `The lab is running (Ctrl-C stops it). Point mxray check at it with:\n\n` +
        `  LAB="--resolver ${running.resolver} --ca-file ${caFile} ${connect}"\n\n` +
        `  mxray check ${running.lab.scenarios.find((sc) => sc.name !== 'nxdomain')?.domain ?? 'good.mxray.test'} $LAB\n\nDomains: ${running.lab.scenarios.map((s) => s.domain).join(' ')}\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    // Also when the output failed: a lab left running would keep the process alive.
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function configure(cmd: Command): Run {
  cmd
    .option('--only <names>', 'comma-separated scenario names (see --list)')
    .option('--list', 'list the scenarios and exit')
    .option('--serve', 'keep the lab running and print the options that point `mxray check` at it');
  // runDemo() takes no limits yet: no --timeout until it does.
  addReportOptions(cmd, { timeout: false });
  return async (o: DemoOpts) => {
    const all = listLabScenarios();
    if (o.list) {
      await emit(`${all.map((s) => `${s.name.padEnd(22)} ${s.title}`).join('\n')}\n`, o);
      return { kind: 'ok' };
    }
    const only = o.only?.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = only?.filter((n) => !all.some((s) => s.name === n)) ?? [];
    if (unknown.length) throw new UsageError(`unknown scenario ${unknown.join(', ')}: see mxray demo --list`);
    if (o.serve) {
      await serveLab(only);
      return { kind: 'ok' };
    }
    const format = formatOf(o);
    const tty = format === 'text' && !o.output && process.stderr.isTTY;
    let done = 0;
    const total = only?.length ?? all.length;
    const results = await runDemo({
      ...(only ? { only } : {}),
      onScenario: (name, phase) => {
        if (phase === 'done') done++;
        if (tty) process.stderr.write(`\x1b[2K\r  lab: ${done}/${total} scenarios tested (${name})`);
      },
    });
    if (tty) process.stderr.write('\x1b[2K\r');
    const mismatched = results.filter((r) => r.report.verdict !== r.expect.verdict);
    if (format === 'json') {
      await emit(`${JSON.stringify({ scenarios: results.map((r) => ({ name: r.name, report: r.report })) }, null, 2)}\n`, o);
    } else if (format === 'text') {
      const style = styleFor(o);
      const width = widthFor(o);
      const rows = results.map((r) => [
        r.name,
        r.report.verdict,
        r.report.verdict === r.expect.verdict ? 'yes' : `NO (${r.expect.verdict})`,
        receiverDocument(r.report).reason,
      ]);
      const paint = (row: number, col: number, text: string) => {
        const r = results[row]!;
        if (col === 1) return style.verdict(r.report.verdict, text);
        if (col === 2 && r.report.verdict !== r.expect.verdict) return style.severity('error', text);
        return text;
      };
      // Each scenario's report on request; the summary table always comes last, where the eye lands.
      const parts = o.details || o.verbose || o.explain
        ? results.map((r) => `${style.bold(`━━ ${r.name}: ${r.title}`)}\n${renderText(r.report, { style, verbose: o.verbose ?? false, explain: o.explain ?? false, brief: !(o.details || o.verbose), width })}`)
        : [];
      const fit = (text: string) => wrap(text, width, 0, 0).join('\n');
      parts.push(
        `${fit(`mxray demo — the receiver test against ${results.length} local servers, each with one classic problem (domains <scenario>.mxray.test)`).replace(/^mxray demo/, style.bold('mxray demo'))}\n`,
        table(['Scenario', 'Verdict', 'Expected', 'Why'], rows, style, width, paint, true),
        '',
        mismatched.length
          ? style.severity('error', fit(`${mismatched.length} scenario(s) did not give the expected verdict.`))
          : fit(`Every verdict is as expected. Each scenario's report: mxray demo --details [--only <name>]; a scenario's lab stays up with mxray demo --serve --only <name>.`),
      );
      await emit(`${parts.join('\n')}\n`, o);
    } else {
      await emit((await Promise.all(results.map((r) => renderReport(r.report, o)))).join('\n'), o);
    }
    return mismatched.length ? { kind: 'problems' } : { kind: 'ok' };
  };
}
