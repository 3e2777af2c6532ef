// Where the local Backend API is, for the tests: the environment of a
// runner that started `clerk serve` (CLERK_API_URL, CLERK_SECRET_KEY,
// CLERK_PUBLISHABLE_KEY), or else a server this module starts itself: the
// binary at CLERK_BIN, or one it builds from the repository with `go build`.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

// The Clerk-API-Version @clerk/backend sends; the direct fetches use it too.
export const API_VERSION = '2026-05-12';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Returns { apiUrl, secretKey, publishableKey, stop }. stop() ends a server
 * this module started and does nothing otherwise. With own, a server of its
 * own is started even under a runner, with the extra `clerk serve` flags
 * args.
 */
export async function emulator({ own = false, args = [] } = {}) {
  const { CLERK_API_URL, CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY } = process.env;
  if (!own && CLERK_API_URL && CLERK_SECRET_KEY) {
    return {
      apiUrl: CLERK_API_URL,
      secretKey: CLERK_SECRET_KEY,
      publishableKey: CLERK_PUBLISHABLE_KEY,
      stop: async () => {},
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'clerk-compat-js-'));
  let bin = process.env.CLERK_BIN;
  if (!bin) {
    bin = join(dir, 'clerk');
    execFileSync('go', ['build', '-o', bin, './cmd/clerk'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--database', join(dir, 'clerk.db'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((res) => child.once('exit', res));
  const vars = {};
  const lines = createInterface({ input: child.stdout });
  await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('clerk serve printed no CLERK_SECRET_KEY within 30 s')), 30_000);
    child.once('exit', (code) => rej(new Error(`clerk serve exited with ${code} before it was ready`)));
    lines.on('line', (line) => {
      const m = /^\s*(CLERK_[A-Z_]+)=(\S+)/.exec(line);
      if (m) vars[m[1]] = m[2];
      if (vars.CLERK_API_URL && vars.CLERK_SECRET_KEY && vars.CLERK_PUBLISHABLE_KEY) {
        clearTimeout(timer);
        res();
      }
    });
  });
  return {
    apiUrl: vars.CLERK_API_URL,
    secretKey: vars.CLERK_SECRET_KEY,
    publishableKey: vars.CLERK_PUBLISHABLE_KEY,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
