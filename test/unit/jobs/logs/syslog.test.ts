// The syslog prefix: RFC 3164, RFC 3339 (rsyslog's precise stamps) and RFC 5424, read by positions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SyslogClock, isoTail, parseSyslog, timeOfDay } from '../../../../src/jobs/logs/syslog.js';

const clock = (year = 2026, offset = 0): SyslogClock => new SyslogClock(year, offset);

describe('parseSyslog', () => {
  it('RFC 3164: time from the given year and zone, host, program, pid, where the message starts', () => {
    const line = 'Nov 30 03:40:13 mx1 postfix/smtpd[4101]: connect from a.example.org[198.51.100.7]';
    const r = parseSyslog(line, clock(2026, 120))!;
    expect(r).toMatchObject({ time: Date.UTC(2026, 10, 30, 1, 40, 13), host: 'mx1', program: 'postfix/smtpd', pid: 4101 });
    expect(line.slice(r.msg)).toBe('connect from a.example.org[198.51.100.7]');
  });

  it('RFC 3164 with a space-padded day, a <pri>, and no pid', () => {
    expect(parseSyslog('Jan  5 00:00:01 h1 kernel: x', clock())).toMatchObject({ time: Date.UTC(2026, 0, 5, 0, 0, 1), program: 'kernel', pid: null });
    expect(parseSyslog('<22>Jan  5 00:00:01 h1 sm-mta[9]: x', clock())).toMatchObject({ program: 'sm-mta', pid: 9 });
  });

  it('rolls the year over when the month goes far backwards, not on a small disorder', () => {
    const c = clock(2025);
    expect(parseSyslog('Dec 31 23:59:59 h p[1]: a', c)!.time).toBe(Date.UTC(2025, 11, 31, 23, 59, 59));
    expect(parseSyslog('Jan  1 00:00:00 h p[1]: a', c)!.time).toBe(Date.UTC(2026, 0, 1));
    expect(parseSyslog('Feb  1 00:00:00 h p[1]: a', c)!.time).toBe(Date.UTC(2026, 1, 1));
    // a late January line after February (a central log's disorder) stays in 2026
    expect(parseSyslog('Jan 31 23:59:59 h p[1]: a', c)!.time).toBe(Date.UTC(2026, 0, 31, 23, 59, 59));
  });

  it('with the log\'s modification time: a date more than a day after it is last year\'s (December read in January)', () => {
    const written = Date.UTC(2026, 0, 2, 8);
    const c = new SyslogClock(2026, 0, written);
    expect(parseSyslog('Dec 31 23:59:59 h p[1]: a', c)!.time).toBe(Date.UTC(2025, 11, 31, 23, 59, 59));
    expect(parseSyslog('Jan  2 07:00:00 h p[1]: a', c)!.time).toBe(Date.UTC(2026, 0, 2, 7));
    // A day's slack: a clock a little ahead of the file's time stays this year.
    expect(parseSyslog('Jan  3 07:00:00 h p[1]: a', c)!.time).toBe(Date.UTC(2026, 0, 3, 7));
    expect(parseSyslog('Jan  4 07:00:00 h p[1]: a', c)!.time).toBe(Date.UTC(2025, 0, 4, 7));
    // Out of order (a test file, a merged log): each date on its own, never a roll-over forward.
    expect(parseSyslog('Mar  1 00:00:00 h p[1]: a', c)!.time).toBe(Date.UTC(2025, 2, 1));
    expect(parseSyslog('Jan  1 00:00:00 h p[1]: a', c)!.time).toBe(Date.UTC(2026, 0, 1));
  });

  it('RFC 3339 with fraction and zone, and with Z', () => {
    expect(parseSyslog('2026-11-30T03:40:13.123456+01:00 mx1 postfix/smtp[7]: x', clock())).toMatchObject({ time: Date.UTC(2026, 10, 30, 2, 40, 13, 123), host: 'mx1', program: 'postfix/smtp', pid: 7 });
    expect(parseSyslog('2026-11-30T03:40:13Z mx1 p[7]: x', clock())!.time).toBe(Date.UTC(2026, 10, 30, 3, 40, 13));
    expect(parseSyslog('2026-11-30T03:40:13-05:30 mx1 p[7]: x', clock())!.time).toBe(Date.UTC(2026, 10, 30, 9, 10, 13));
  });

  it('RFC 5424 with nil and structured data', () => {
    const a = '<34>1 2026-11-30T03:40:13.5Z mx1 postfix/smtpd 4101 - - connect from x[192.0.2.1]';
    const r = parseSyslog(a, clock())!;
    expect(r).toMatchObject({ time: Date.UTC(2026, 10, 30, 3, 40, 13, 500), host: 'mx1', program: 'postfix/smtpd', pid: 4101 });
    expect(a.slice(r.msg)).toBe('connect from x[192.0.2.1]');
    const b = '<34>1 2026-11-30T03:40:13Z mx1 exim - ID47 [meta seq="1"] 2026-11-30 03:40:13 x';
    expect(b.slice(parseSyslog(b, clock())!.msg)).toBe('2026-11-30 03:40:13 x');
  });

  it('caches the date part but still follows a change of day', () => {
    const c = clock();
    expect(parseSyslog('Nov 30 23:59:59 h p[1]: a', c)!.time).toBe(Date.UTC(2026, 10, 30, 23, 59, 59));
    expect(parseSyslog('Dec  1 00:00:00 h p[1]: a', c)!.time).toBe(Date.UTC(2026, 11, 1));
    expect(parseSyslog('2026-12-02T00:00:00Z h p[1]: a', c)!.time).toBe(Date.UTC(2026, 11, 2));
    expect(parseSyslog('2026-12-03T00:00:00Z h p[1]: a', c)!.time).toBe(Date.UTC(2026, 11, 3));
  });

  it('not syslog: null', () => {
    for (const l of ['', 'Nov', 'Nov 30 03:40:13', 'Nov 30 03:40:13 ', 'Nov 30 03:40:13 host', 'Nov 30 03:40:13 host no colon here', 'Foo 30 03:40:13 h p[1]: x',
      'Nov 32 03:40:13 h p[1]: x', 'Nov 30 24:40:13 h p[1]: x', 'Nov 30 03:4x:13 h p[1]: x', '2026-11-30T03:40:13+9x:00 h p: x', '2026-11-30 03:40:13 1tABcd-000AbC-Xy <= a',
      '<999999>1 x', '#Fields: date-time', 'random text: with a colon']) {
      expect(parseSyslog(l, clock()), l).toBeNull();
    }
  });

  it('never throws on any string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
      parseSyslog(s, clock());
      parseSyslog(`Nov 30 03:40:13 ${s}`, clock());
      parseSyslog(`2026-11-30T03:40:13${s}`, clock());
    }), { numRuns: 2000 });
  });
});

describe('time pieces', () => {
  it('timeOfDay and isoTail', () => {
    expect(timeOfDay('23:59:60', 0)).toBe((23 * 3600 + 59 * 60 + 60) * 1000);
    expect(timeOfDay('23-59-59', 0)).toBe(-1);
    expect(isoTail('.25+02:00 ', 0, 0)).toEqual({ add: 250 - 7_200_000, end: 9 });
    expect(isoTail('+0200 ', 0, 0)).toEqual({ add: -7_200_000, end: 5 });
    expect(isoTail(' x', 0, 60_000)).toEqual({ add: -60_000, end: 0 });
  });
});
