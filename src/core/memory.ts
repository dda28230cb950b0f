/**
 * Memory budget of one command (`--memory GB`): the large arrays a step allocates (features, raw kernels, the
 * fold factorisation) are estimated in bytes BEFORE the step runs, and a step that alone cannot fit is refused
 * with its estimate and the flag to change; caches (src/search/cache.ts) are sized in bytes against what the
 * budget leaves. The default is a safe fraction of the memory the machine has available now (Linux:
 * /proc/meminfo MemAvailable, which counts reclaimable page cache; elsewhere os.freemem()).
 *
 * Estimates (float64, 8 bytes a value; n environments, c = 2λ+1 components, F properties):
 *   features n·c·F·8 (+ the λ=0 block n·F0·8), raw kernels (n·c)²·8 + n²·8, one fold factorisation (n_train·c)²·8.
 * The runtime's own memory (a few hundred MB: code, structures) is not counted; the default fraction leaves
 * room for it.
 */
import { readFileSync } from "node:fs";
import { freemem } from "node:os";
import { EngineError } from "./errors.js";

/** Help text of the `--memory` option. */
export const MEMORY_HELP =
  "memory budget in GB: steps that cannot fit are refused before they run (default: 60% of the available memory)";

/** Fraction of the available memory taken as the default budget. */
export const DEFAULT_BUDGET_FRACTION = 0.6;

const GB = 1e9;

/** Bytes of memory available to a new allocation: MemAvailable on Linux, os.freemem() elsewhere. */
export function availableMemory(meminfo?: string): number {
  let text = meminfo;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/meminfo", "utf8");
    } catch {
      return freemem();
    }
  }
  const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : freemem();
}

/** "1.23 GB" (decimal units, as `--memory`). */
export function formatBytes(bytes: number): string {
  if (bytes >= GB) return `${(bytes / GB).toFixed(2)} GB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Bytes of float64 features of n environments (c components, f properties; plus the λ=0 block n·f0). */
export function featureBytes(n: number, c: number, f: number, f0 = 0): number {
  return 8 * n * (c * f + (c > 1 ? f0 : 0));
}

/** Bytes of the raw kernels of n × m environments: KL (n·c)×(m·c) for λ>0, K0 n×m. */
export function rawKernelBytes(n: number, m: number, c: number): number {
  return 8 * (c > 1 ? n * c * m * c + n * m : n * m);
}

/** Bytes of one square kernel / Cholesky factor over n environments of c components. */
export function squareKernelBytes(n: number, c: number): number {
  return 8 * (n * c) ** 2;
}

/** A budget in bytes; `flag` names the option that sets it (for the messages). */
export class MemoryBudget {
  constructor(
    readonly bytes: number,
    readonly source = "--memory",
  ) {
    if (!(bytes > 0) || !Number.isFinite(bytes)) {
      throw new EngineError(
        "InvalidParameter",
        `memory budget must be a positive number of bytes, got ${bytes}`,
        { field: "memory" },
      );
    }
  }

  /** `--memory GB` as given, or the default fraction of the available memory. */
  static fromCli(gb: string | undefined, available = availableMemory()): MemoryBudget {
    if (gb === undefined)
      return new MemoryBudget(
        DEFAULT_BUDGET_FRACTION * available,
        `default: ${DEFAULT_BUDGET_FRACTION * 100}% of ${formatBytes(available)} available`,
      );
    const x = Number(gb);
    if (gb.trim() === "" || !Number.isFinite(x) || !(x > 0)) {
      throw new EngineError(
        "InvalidParameter",
        `the memory budget must be a positive number of GB, got '${gb}'`,
        {
          field: "memory",
        },
      );
    }
    return new MemoryBudget(x * GB, "--memory");
  }

  /** One line for the start of a command. */
  describe(): string {
    return `memory budget ${formatBytes(this.bytes)} (${this.source}; change with --memory GB)`;
  }

  /**
   * Refuse a step whose estimated peak (bytes) does not fit in the budget, naming the step, the estimate and the
   * flag to change.
   */
  check(step: string, bytes: number, hint = ""): void {
    if (bytes <= this.bytes) return;
    throw new EngineError(
      "InvalidParameter",
      `${step} needs about ${formatBytes(bytes)}, more than the memory budget of ${formatBytes(this.bytes)}: ` +
        `raise the budget${hint ? ` or ${hint}` : ""}`,
      { field: "memory" },
    );
  }
}

/** Peak resident memory of this process so far (bytes; resourceUsage().maxRSS is in kilobytes). */
export function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** The end-of-command line: "peak resident memory 1.23 GB". */
export function peakRssLine(): string {
  return `peak resident memory ${formatBytes(peakRss())}`;
}
