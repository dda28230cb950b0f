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

/**
 * Make sure dist/ (what bin/soapgpr.js runs) is built from the current sources: `npm run build` (tsc, ~10 s)
 * when dist/cli/main.js is missing or older than any .ts file under src/ or cli/.
 */
export function ensureBuilt(): void {
  const built = fs.statSync(MAIN, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(newestMtime(path.join(ROOT, "src")), newestMtime(path.join(ROOT, "cli")));
  if (built >= sources) return;
  execFileSync(
    process.execPath,
    [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: ROOT,
      stdio: "inherit",
    },
  );
}
