/**
 * The soapgpr version, read at run time from the package's own package.json (one source of truth: the CLI's
 * `--version` and the `library.version` of model files). Found by walking up from this module, so it works from
 * the sources (src/core/, under tsx or vitest) and from the build (dist/src/core/) alike.
 */
import * as fs from "node:fs";

let cachedVersion: string | null = null;
/** The version in the nearest package.json named "soapgpr" above this module ("unknown" if there is none). */
export function libraryVersion(): string {
  if (cachedVersion !== null) return cachedVersion;
  cachedVersion = "unknown";
  let dir = new URL(".", import.meta.url);
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(new URL("package.json", dir), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "soapgpr" && typeof pkg.version === "string") {
        cachedVersion = pkg.version;
        break;
      }
    } catch {
      // not here: go up
    }
    dir = new URL("..", dir);
  }
  return cachedVersion;
}
