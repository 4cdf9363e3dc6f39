// Skipping a test because this machine lacks something (IPv6 loopback, a Debian package) is
// allowed only with the reason said, and never where that thing is required: CI sets
// MXRAY_TEST_REQUIRE (comma-separated capability names, or "all") for what it can provide, and
// there a missing capability fails the test instead of skipping it.
import type { TestContext } from 'vitest';

/** Capability names a test may depend on. */
export type Capability = 'ipv6-loopback' | 'corpus' | 'chromium' | 'openssl' | 'pty' | 'swaks' | 'tshark' | 'postgres';

/** Whether the environment says this capability must be present (so a skip would hide a failure). */
export function isRequired(capability: Capability, env: NodeJS.ProcessEnv = process.env): boolean {
  const list = (env.MXRAY_TEST_REQUIRE ?? '').split(',').map((s) => s.trim());
  return list.includes('all') || list.includes(capability);
}

/**
 * Skips the running test, saying why, when `capability` is missing; fails it instead when the
 * environment requires that capability. Call it from inside the test: `skipWithout(ctx, …)`.
 */
export function skipWithout(context: TestContext, capability: Capability, why: string): never {
  if (isRequired(capability)) throw new Error(`${capability} is required here (MXRAY_TEST_REQUIRE) but missing: ${why}`);
  console.warn(`SKIPPED (${capability}): ${why}`);
  context.skip(`${capability} missing: ${why}`);
  throw new Error('unreachable: context.skip() returned');
}
