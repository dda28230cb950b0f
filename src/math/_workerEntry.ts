/**
 * Internal: start a worker_thread on a real entry module (one strategy for the project's workers, no source
 * text). Compiled builds load the .js entry; under TypeScript sources (tsx, vitest) the worker first registers
 * tsx's ESM loader (a dev dependency), then imports the .ts entry.
 */
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/** file: URL of tsx's ESM register API (the require condition resolves to index.cjs; its ESM twin is index.mjs). */
function tsxEsmApi(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api")).href.replace(/\.cjs$/, ".mjs");
}

/** A worker running the entry module `name` (without extension) in the folder of `base` (the caller's import.meta.url). */
export function startWorker(base: string, name: string, options: WorkerOptions = {}): Worker {
  const ts = fileURLToPath(base).endsWith(".ts");
  const url = new URL(`./${name}${ts ? ".ts" : ".js"}`, base);
  if (!ts) return new Worker(url, options);
  const boot =
    `import(${JSON.stringify(tsxEsmApi())})` +
    `.then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`;
  return new Worker(boot, { ...options, eval: true });
}
