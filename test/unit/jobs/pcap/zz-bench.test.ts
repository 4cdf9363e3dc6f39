import { it } from 'vitest';
import { SmtpFlow } from '../../../../src/jobs/pcap/smtp-flow.js';
it('bench', () => {
  const many = Buffer.from('NOOP\r\n'.repeat(1_000_000));
  const answers = Buffer.from('250 2.0.0 Ok\r\n'.repeat(1_000_000));
  for (let r = 0; r < 3; r++) {
    const f = new SmtpFlow({ id: 1, client: { ip: 'a', port: 1 }, server: { ip: 'b', port: 25 }, start: 0, sawSyn: true });
    const t = performance.now();
    f.data('server', Buffer.from('220 x\r\n'), 1);
    for (let i = 0; i < many.length; i += 65536) f.data('client', many.subarray(i, i + 65536), 1);
    const t1 = performance.now();
    for (let i = 0; i < answers.length; i += 65536) f.data('server', answers.subarray(i, i + 65536), 1);
    const t2 = performance.now();
    f.end('fin', 2); f.facts();
    console.log('client', (t1 - t).toFixed(0), 'ms server', (t2 - t1).toFixed(0), 'ms');
  }
  const body = Buffer.from(('x'.repeat(76) + '\r\n').repeat(300000));
  const f = new SmtpFlow({ id: 1, client: { ip: 'a', port: 1 }, server: { ip: 'b', port: 25 }, start: 0, sawSyn: true });
  f.data('server', Buffer.from('220 x\r\n'), 1); f.data('client', Buffer.from('DATA\r\n'), 1); f.data('server', Buffer.from('354 go\r\n'), 1);
  const t = performance.now();
  for (let i = 0; i < body.length; i += 65536) f.data('client', body.subarray(i, i + 65536), 1);
  console.log('body MB/s', (body.length / 1e6 / ((performance.now() - t) / 1000)).toFixed(0));
});
