/**
 * Kernel-assembly throughput (GFLOP/s) per backend: the float64 CPU backend and every gpu.js mode that starts here.
 * FLOPs = 2·(n·c)·(m·c)·F for one Gram matrix (c = 2λ+1), timed end to end (float32 conversion, upload, kernel,
 * readback, float64 post-processing); best of --reps calls.
 *
 * Usage: npx tsx bench/backend.ts [--n 8192] [--f 2000,10000] [--lambda 0|2] [--zeta 2]
 *                                 [--modes cpu-float64,wasm,cpu,headlessgl,webgpu] [--tile 2048] [--reps 1]
 *                                 [--kernel vec4|scalar] [--no-wasm-threads] [--quick] [--json]
 * --quick: n = 1024, F = 2000 (the gpu.js CPU modes need minutes for n = 8192 on 2 cores).
 * headless-gl needs an X server: xvfb-run -a npx tsx bench/backend.ts --modes headlessgl (see docs/gpu.md).
 * Each mode's result is compared with the float64 CPU backend's (max |Δ| / max |K|) when that one was run.
 */
import { Rng } from "../src/core/rng.js";
import { CpuBackend } from "../src/backend/cpu.js";
import { createGpuJsBackend, type GpuJsConcreteMode } from "../src/backend/gpujs.js";
import type { ComputeBackend } from "../src/backend/types.js";
import { foldZeta } from "../src/soap/envKernel.js";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : def;
}
const quick = process.argv.includes("--quick");
const json = process.argv.includes("--json");
const n = Number(arg("n", quick ? "1024" : "8192"));
const fs = arg("f", quick ? "2000" : "2000,10000")
  .split(",")
  .map(Number);
const lambda = Number(arg("lambda", "0"));
const zeta = Number(arg("zeta", "2"));
const tile = Number(arg("tile", "2048"));
const reps = Number(arg("reps", "1"));
const wasmThreads = !process.argv.includes("--no-wasm-threads");
const kernel = arg("kernel", "vec4") as "vec4" | "scalar";
const modes = arg("modes", "cpu-float64,wasm,cpu,headlessgl,webgpu").split(",");
const c = 2 * lambda + 1;
const say = (s: string) => {
  if (!json) console.log(s);
};

/**
 * SOAP-like features, seeded: a shared positive profile plus per-environment positive noise, unit-normalised
 * (λ=0: ‖p‖ = 1; λ>0: ‖P‖_F = 1 over the c×F block, with zero-mean signs as equivariant components have).
 */
function features(rng: Rng, rows: number, f: number, comps: number): Float64Array {
  const base = new Float64Array(f);
  for (let q = 0; q < f; q++) base[q] = Math.exp(-q / (0.3 * f)) * (0.5 + rng.uniform());
  const out = new Float64Array(rows * comps * f);
  for (let i = 0; i < rows; i++) {
    let norm = 0;
    const o = i * comps * f;
    for (let mu = 0; mu < comps; mu++)
      for (let q = 0; q < f; q++) {
        const v = comps === 1 ? base[q]! * (0.6 + 0.8 * rng.uniform()) : base[q]! * rng.normal();
        out[o + mu * f + q] = v;
        norm += v * v;
      }
    const s = 1 / Math.sqrt(norm);
    for (let k = 0; k < comps * f; k++) out[o + k]! *= s;
  }
  return out;
}

interface Row {
  mode: string;
  n: number;
  f: number;
  lambda: number;
  seconds?: number;
  gflops?: number;
  relErrVsFloat64?: number;
  error?: string;
}
const rows: Row[] = [];
say(
  `kernel assembly, n = m = ${n} environments, λ=${lambda} (c=${c}), ζ=${zeta}, tile ${tile}, ${kernel} kernel`,
);
say(`host: ${(await import("node:os")).cpus().length} CPU cores, Node ${process.version}`);

for (const f of fs) {
  const rng = new Rng(20261123 + f);
  const a = features(rng, n, f, c);
  const b = features(rng, n, f, c);
  const a0 = lambda > 0 ? features(rng, n, 64, 1) : null;
  const b0 = lambda > 0 ? features(rng, n, 64, 1) : null;
  let k0: Float64Array | null = null;
  if (a0 !== null && b0 !== null) k0 = await new CpuBackend().gram(a0, n, b0, n, 64);
  const flops = 2 * (n * c) * (n * c) * f;
  let ref: Float64Array | null = null;
  say(`F = ${f}: ${(flops / 1e9).toFixed(1)} GFLOP per Gram matrix`);
  for (const mode of modes) {
    let be: ComputeBackend;
    try {
      be =
        mode === "cpu-float64"
          ? new CpuBackend()
          : await createGpuJsBackend({
              mode: mode as GpuJsConcreteMode,
              tileRows: tile,
              probeRows: 64,
              wasmThreads,
              kernel,
            });
    } catch (e) {
      const msg = String((e as Error).message).split(". Tried")[0]!;
      rows.push({ mode, n, f, lambda, error: msg });
      say(`  ${mode.padEnd(12)} unavailable: ${msg}`);
      continue;
    }
    // raw products on the backend, then the shared float64 ζ fold (src/soap/envKernel.ts)
    const run = async () => {
      const g = await be.gram(a, n * c, b, n * c, f);
      const raw = lambda === 0 ? { k0: g, kl: null } : { k0, kl: g };
      return foldZeta({ lambda, c, nr: n, nc: n, ...raw }, zeta);
    };
    try {
      // Kernel compilation is included in the first call (milliseconds against seconds of arithmetic);
      // --reps 2 or more reports the best call.
      let best = Number.POSITIVE_INFINITY;
      let out: Float64Array | null = null;
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        out = await run();
        best = Math.min(best, (performance.now() - t0) / 1000);
      }
      const row: Row = { mode: be.name, n, f, lambda, seconds: best, gflops: flops / best / 1e9 };
      if (mode === "cpu-float64") ref = out;
      else if (ref !== null && out !== null) {
        let mx = 0;
        let err = 0;
        for (let i = 0; i < ref.length; i++) {
          mx = Math.max(mx, Math.abs(ref[i]!));
          err = Math.max(err, Math.abs(ref[i]! - out[i]!));
        }
        row.relErrVsFloat64 = err / mx;
      }
      rows.push(row);
      say(
        `  ${be.name.padEnd(16)} ${row.gflops!.toFixed(2).padStart(7)} GFLOP/s  (${best.toFixed(2)} s)` +
          (row.relErrVsFloat64 !== undefined
            ? `  max|Δ|/max|K| = ${row.relErrVsFloat64.toExponential(1)}`
            : ""),
      );
    } finally {
      if ("disposeAsync" in be) await (be as { disposeAsync(): Promise<void> }).disposeAsync();
      else be.dispose();
    }
  }
}
if (json) console.log(JSON.stringify(rows, null, 1));
process.exit(0);
