import { describe, expect, it } from 'vitest';
import { csvCell, shareSparkline } from '../../../src/render/logs.js';
import { shareChartSvg } from '../../../src/render/html.js';

describe('logs rendering', () => {
  it('CSV: every cell quoted, quotes doubled, a formula never left for a spreadsheet to run', () => {
    expect(csvCell('example.com')).toBe('"example.com"');
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    for (const lead of ['+', '-', '@', '\t', '\r']) expect(csvCell(`${lead}1`).startsWith(`"'${lead}`), JSON.stringify(lead)).toBe(true);
    expect(csvCell(-3)).toBe('"-3"');
    expect(csvCell(null)).toBe('');
  });

  it('the sparkline: full for all TLS, lowest for none, a space where nothing is known', () => {
    expect(shareSparkline([{ tls: 4, known: 4 }, { tls: 0, known: 3 }, { tls: 0, known: 0 }, { tls: 1, known: 2 }])).toBe('█▁ ▅');
  });

  it('the share chart: escaped names, a gap for a null value, one path per series', () => {
    const svg = shareChartSvg({ title: 'Share <b>', labels: ['2026-11-30 01', '2026-11-30 02', '2026-11-30 03'], series: [{ name: '(all)', values: [1, null, 0.5] }, { name: '<script>x</script>.example', values: [0, 0.25, 1] }] });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('Share &lt;b&gt;');
    const paths = [...svg.matchAll(/<path class="s(\d)" d="([^"]*)"/g)];
    expect(paths.map((p) => p[1])).toEqual(['0', '1']);
    // The null breaks the first line into two moves; the second is one unbroken line.
    expect((paths[0]![2]!.match(/M/g) ?? []).length).toBe(2);
    expect((paths[1]![2]!.match(/M/g) ?? []).length).toBe(1);
    expect(svg).toContain('(all), 2026-11-30 03: 50 %');
  });
});
