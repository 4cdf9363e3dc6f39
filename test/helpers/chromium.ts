// Where the Chromium for browser tests is: $MXRAY_CHROMIUM, else Debian's `chromium` package
// (installed by .ci/run), else none (the test skips, or fails where MXRAY_TEST_REQUIRE has 'chromium').
import { accessSync, constants } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium executable to drive with playwright-core, or null when this machine has none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const path of env.MXRAY_CHROMIUM ? [env.MXRAY_CHROMIUM] : CANDIDATES) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here, or not executable: try the next.
    }
  }
  return null;
}
