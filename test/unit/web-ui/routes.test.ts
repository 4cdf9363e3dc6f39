import { describe, expect, it } from 'vitest';
import { isAppPath, routeOf } from '../../../web-ui/src/routes.js';

describe('routeOf (web UI)', () => {
  it('names every page of the brief', () => {
    expect(routeOf('/')).toEqual({ page: 'home' });
    for (const page of ['check', 'cert', 'send', 'sender-test', 'headers', 'explain', 'logs', 'posture', 'history', 'login']) {
      expect(routeOf(`/${page}`)).toEqual({ page });
      expect(routeOf(`/${page}/`)).toEqual({ page });
    }
    expect(routeOf('/jobs/AbC_-123')).toEqual({ page: 'job', id: 'AbC_-123' });
    expect(routeOf('/reports/q1w2e3r4t5y6u7i8o9p0aa')).toEqual({ page: 'report', id: 'q1w2e3r4t5y6u7i8o9p0aa' });
    expect(routeOf('/compare/aaa/bbb')).toEqual({ page: 'compare', a: 'aaa', b: 'bbb' });
  });

  it('refuses ids that are not base64url (they would reach an API path)', () => {
    expect(routeOf('/reports/..%2F..')).toEqual({ page: 'not-found' });
    expect(routeOf('/reports/a.b')).toEqual({ page: 'not-found' });
    expect(routeOf(`/jobs/${'a'.repeat(65)}`)).toEqual({ page: 'not-found' });
    expect(routeOf('/compare/a')).toEqual({ page: 'not-found' });
    expect(routeOf('/nope')).toEqual({ page: 'not-found' });
    expect(routeOf('/check/extra')).toEqual({ page: 'not-found' });
  });

  it('handles same-origin page links only, never the API, assets or another origin', () => {
    const origin = 'http://127.0.0.1:8025';
    expect(isAppPath(new URL('/history?q=x', origin), origin)).toBe(true);
    expect(isAppPath(new URL('/api/v1/reports/x?download=1', origin), origin)).toBe(false);
    expect(isAppPath(new URL('/assets/app.css', origin), origin)).toBe(false);
    expect(isAppPath(new URL('http://evil.example/history'), origin)).toBe(false);
  });
});
