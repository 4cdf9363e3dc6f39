// The README's library example, runnable: node examples/library.mjs [domain]
// (with no domain it runs against the built-in lab, so it works without a network).
import { checkReceiver, renderText } from 'mxray';

const domain = process.argv[2];
const lab = domain ? null : await (await import('mxray/demo')).startLabWithDns({ now: Date.now(), only: ['expired'] });
const labOptions = lab
  ? { resolver: (await import('mxray')).createResolver({ server: lab.resolver, timeoutMs: 2000 }), hostMap: lab.lab.hostMap }
  : {};

const report = await checkReceiver({ target: domain ?? 'expired.mxray.test', ...labOptions });
console.log(report.verdict); // 'pass' | 'warn' | 'fail' | 'inconclusive'
for (const f of report.findings) console.log(f.severity, f.id, '-', f.title, '→', f.remediation.summary);
console.log(renderText(report).split('\n').slice(0, 6).join('\n'));
await lab?.stop();
