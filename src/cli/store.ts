// The policies mxray has seen, kept between runs as real senders keep them: one small JSON file per
// domain under the state folder ($MXRAY_STATE_DIR, else $XDG_STATE_HOME/mxray, else
// ~/.local/state/mxray), `mta-sts/<domain>.json`. What makes `mta-sts.id-unchanged` visible: a
// policy that changed while its id did not. A file that cannot be read or parsed is as good as none.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SeenPolicy } from '../core/schema.js';
import type { PolicyMemory } from '../jobs/posture/probe-posture.js';

/** The state folder, from the environment. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MXRAY_STATE_DIR) return env.MXRAY_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'mxray');
}

/** A domain as a file name: only what a DNS name holds (anything else could climb out of the folder). */
function fileOf(dir: string, domain: string): string | null {
  const name = domain.toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name) || name.length > 253) return null;
  return join(dir, 'mta-sts', `${name}.json`);
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** A saved entry, checked field by field (the file is ours, but anyone may have edited it). */
function readSeen(text: string): SeenPolicy | null {
  const v = JSON.parse(text) as Record<string, unknown>;
  if (typeof v !== 'object' || v === null) return null;
  const { id, sha256, seenAt, mode, maxAge, mx } = v;
  if (typeof id !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(id)) return null;
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) return null;
  if (typeof seenAt !== 'string' || !ISO.test(seenAt)) return null;
  const m = mode === 'enforce' || mode === 'testing' || mode === 'none' ? mode : null;
  const age = typeof maxAge === 'number' && Number.isInteger(maxAge) && maxAge >= 0 ? maxAge : null;
  const patterns = Array.isArray(mx) && mx.length <= 1000 && mx.every((p) => typeof p === 'string' && p.length <= 253) ? (mx as string[]) : undefined;
  return { id, sha256, seenAt, mode: m, maxAge: age, ...(patterns ? { mx: patterns } : {}) };
}

export function fileMemory(dir: string = stateDir()): PolicyMemory {
  return {
    recall(domain) {
      const file = fileOf(dir, domain);
      if (file === null) return Promise.resolve(null);
      try {
        return Promise.resolve(readSeen(readFileSync(file, 'utf8').slice(0, 300_000)));
      } catch {
        return Promise.resolve(null);
      }
    },
    remember(domain, seen) {
      const file = fileOf(dir, domain);
      if (file === null) return Promise.resolve();
      mkdirSync(join(dir, 'mta-sts'), { recursive: true, mode: 0o700 });
      // Written whole, then renamed: a run stopped halfway leaves the old entry, never half a file.
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(seen)}\n`, { mode: 0o600 });
      renameSync(temp, file);
      return Promise.resolve();
    },
  };
}
