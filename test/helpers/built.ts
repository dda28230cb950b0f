import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const BIN = path.join(ROOT, "bin", "soapgpr.js");
const MAIN = path.join(ROOT, "dist", "cli", "main.js");

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p));
    else if (e.name.endsWith(".ts")) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

/** dist/cli/main.js is newer than every .ts file under src/ and cli/. */
function isFresh(): boolean {
  const built = fs.statSync(MAIN, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return built >= Math.max(newestMtime(path.join(ROOT, "src")), newestMtime(path.join(ROOT, "cli")));
}

/**
 * Run `fn` holding a lock directory (mkdir is atomic): test files run in parallel forks, and two builds writing
 * dist/ at once, or one test importing dist/ while another build rewrites it, would read half-written files. A lock
 * older than 5 minutes is left over from a killed run and is taken over.
 */
function withLock(lock: string, fn: () => void): void {
  const wait = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000) fs.rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(wait, 0, 0, 200);
    }
  }
  try {
    fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Make sure dist/ (what bin/soapgpr.js runs) is built from the current sources: `npm run build` (tsc, ~10 s)
 * when dist/cli/main.js is missing or older than any .ts file under src/ or cli/. One build at a time.
 */
export function ensureBuilt(): void {
  if (isFresh()) return;
  fs.mkdirSync(path.join(ROOT, "dist"), { recursive: true });
  withLock(path.join(ROOT, "dist", ".build-lock"), () => {
    if (isFresh()) return; // another test file built it while this one waited
    execFileSync(
      process.execPath,
      [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
      { cwd: ROOT, stdio: "inherit" },
    );
  });
}
