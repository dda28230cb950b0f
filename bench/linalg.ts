/**
 * GEMM and Cholesky GFLOP/s: blocked TypeScript (1 thread, 2 worker threads), the WebAssembly SIMD Gram product
 * (src/math/simdGemm.ts; 1 and 2 threads, rectangular and symmetric A·Aᵀ) vs naive loop and ml-matrix; the SIMD
 * Cholesky and many-right-hand-side triangular solve (src/math/simdLinalg.ts) beside numpy's LAPACK Cholesky
 * (python3 -c, when numpy is present) for the same n in the same run.
 * Each line gives wall time and the process CPU time (user + system, all threads): the machine may be shared.
 * The symmetric kernel product P·Pᵀ (--syrk MxF, the gehlenite λ=2 training kernel by default) beside numpy's P @ P.T.
 * Usage: npx tsx bench/linalg.ts [--n 9600] [--rhs 2160] [--syrk 9600x8288] [--gemm 2000x1500x2000] [--quick]
 *        [--no-mlmatrix]
 *        [--scalar] (the scalar Cholesky lines; default only for n ≤ 3000)
 */
import { CholeskyDecomposition, Matrix } from "ml-matrix";
import { Rng } from "../src/core/rng.js";
import { GemmPool, sharedFloat64 } from "../src/math/_workerPool.js";
import { gemmKernel, gemmNaive } from "../src/math/gemm.js";
import { cholesky, choleskyParallel, solveLower } from "../src/math/linalg.js";
import { simdGram } from "../src/math/simdGemm.js";
import { choleskySimd, solveLowerSimd } from "../src/math/simdLinalg.js";
import { numpyTimes } from "./numpy.js";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : def;
}
const quick = process.argv.includes("--quick");
const noMl = process.argv.includes("--no-mlmatrix");
const n = Number(arg("n", quick ? "1200" : "9600"));
const rhs = Number(arg("rhs", quick ? "270" : "2160"));
const scalar = process.argv.includes("--scalar") || n <= 3000;
const [gm, gk, gn] = arg("gemm", quick ? "500x400x500" : "2000x1500x2000")
  .split("x")
  .map(Number) as [number, number, number];
const rng = new Rng(1);

function time<T>(f: () => T): [T, number] {
  const t = performance.now();
  const r = f();
  return [r, (performance.now() - t) / 1000];
}
async function timeAsync(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}
const g = (flops: number, s: number) => (flops / s / 1e9).toFixed(2);
/** Wall seconds and CPU seconds (user + system of the process, worker threads included) of an async call. */
async function timeCpu(f: () => Promise<unknown>): Promise<[number, number]> {
  const c0 = process.cpuUsage();
  const t = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return [(performance.now() - t) / 1000, (c.user + c.system) / 1e6];
}

// ---- GEMM: C (m×n) = A (m×k) · Bᵀ (B n×k)
const a = sharedFloat64(gm * gk).map(() => rng.normal());
const b = sharedFloat64(gn * gk).map(() => rng.normal());
const c = sharedFloat64(gm * gn);
const flops = 2 * gm * gn * gk;
console.log(`GEMM ${gm}x${gk} · (${gn}x${gk})ᵀ, float64`);
for (let r = 0; r < (quick ? 1 : 3); r++) {
  const [, t1] = time(() => gemmKernel(false, true, gm, gn, gk, 1, a, 0, gk, b, 0, gk, 0, c, 0, gn));
  console.log(`  blocked TS, 1 thread : ${g(flops, t1)} GFLOP/s (${t1.toFixed(2)} s)`);
}
const pool = new GemmPool(2);
for (let r = 0; r < (quick ? 1 : 3); r++) {
  const t2 = await timeAsync(() => pool.gemm(false, true, gm, gn, gk, 1, a, 0, gk, b, 0, gk, 0, c, 0, gn));
  console.log(`  blocked TS, 2 workers: ${g(flops, t2)} GFLOP/s (${t2.toFixed(2)} s)`);
}
for (const threads of [1, 2]) {
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    // copies into WebAssembly memory and back are included (as in use)
    const [t, cpu] = await timeCpu(() => simdGram(a, 0, gm, b, 0, gn, gk, false, threads));
    console.log(
      `  WASM SIMD, ${threads} thread${threads > 1 ? "s" : " "}: ${g(flops, t)} GFLOP/s (${t.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU)`,
    );
  }
}
for (const threads of [1, 2]) {
  // A·Aᵀ: the upper triangle is multiplied (half the flops), the GFLOP/s count the full product's 2·m²·k
  const [t, cpu] = await timeCpu(() => simdGram(a, 0, gm, a, 0, gm, gk, true, threads));
  console.log(
    `  WASM SIMD A·Aᵀ (${gm}x${gm}, symmetric), ${threads} thread${threads > 1 ? "s" : " "}: ${g(2 * gm * gm * gk, t)} effective GFLOP/s (${t.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU)`,
  );
}
{
  const sm = Math.min(gm, 400);
  const [, tn] = time(() => gemmNaive(false, true, sm, sm, gk, 1, a, 0, gk, b, 0, gk, 0, c, 0, sm));
  console.log(`  naive triple loop (${sm}x${gk}x${sm}): ${g(2 * sm * sm * gk, tn)} GFLOP/s`);
}
if (!noMl) {
  const sm = Math.min(gm, 800);
  const A = new Matrix(sm, gk);
  const B = new Matrix(gk, sm);
  for (let i = 0; i < sm; i++) for (let p = 0; p < gk; p++) A.set(i, p, a[i * gk + p]!);
  for (let p = 0; p < gk; p++) for (let j = 0; j < sm; j++) B.set(p, j, b[j * gk + p]!);
  const [, tm] = time(() => A.mmul(B));
  console.log(`  ml-matrix mmul (${sm}x${gk}x${sm}): ${g(2 * sm * sm * gk, tm)} GFLOP/s`);
}

// ---- Cholesky of an SPD n×n matrix (X Xᵀ/k + I)
console.log(`Cholesky n=${n} (n³/3 flops)`);
const kx = n;
const x = new Float64Array(n * kx).map(() => rng.normal());
const spd = new Float64Array(n * n);
gemmKernel(false, true, n, n, kx, 1 / kx, x, 0, kx, x, 0, kx, 0, spd, 0, n);
for (let i = 0; i < n; i++) {
  spd[i * n + i] += 1;
  for (let j = 0; j < i; j++) spd[j * n + i] = spd[i * n + j]!; // exact symmetry (ml-matrix checks it)
}
const cflops = (n * n * n) / 3;
for (const nb of !scalar ? [] : quick ? [96] : [64, 96, 128]) {
  const w = spd.slice();
  const [, t] = time(() => cholesky(w, n, { blockSize: nb }));
  console.log(`  blocked TS, 1 thread, nb=${nb}: ${t.toFixed(2)} s, ${g(cflops, t)} GFLOP/s`);
}
for (let r = 0; r < (scalar ? (quick ? 1 : 2) : 0); r++) {
  const w = sharedFloat64(n * n, spd);
  const t = await timeAsync(() => choleskyParallel(w, n, pool));
  console.log(`  blocked TS, 2 workers (trailing update): ${t.toFixed(2)} s, ${g(cflops, t)} GFLOP/s`);
}
if (!noMl && n <= 2500) {
  const M = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M.set(i, j, spd[i * n + j]!);
  const [, t] = time(() => new CholeskyDecomposition(M));
  console.log(`  ml-matrix CholeskyDecomposition: ${t.toFixed(2)} s, ${g(cflops, t)} GFLOP/s`);
}
let factor: Float64Array = new Float64Array(0);
for (const threads of [1, 2]) {
  const [t, cpu] = await timeCpu(async () => {
    factor = (await choleskySimd(spd, n, { threads }))!;
  });
  console.log(
    `  WASM SIMD, ${threads} thread${threads > 1 ? "s" : " "}: ${t.toFixed(2)} s (${cpu.toFixed(2)} s CPU), ${g(cflops, t)} GFLOP/s`,
  );
}
const np = numpyTimes(n);
console.log(
  np
    ? `  numpy (LAPACK) Cholesky: ${np.cholesky.toFixed(2)} s (${np.choleskyCpu.toFixed(2)} s CPU), ${g(cflops, np.cholesky)} GFLOP/s`
    : "  numpy: not available (python3 with numpy)",
);
// ---- L·X = B for `rhs` right-hand sides (the predictive variances L⁻¹K*ᵀ)
console.log(`Triangular solve L·X = B, n=${n}, ${rhs} right-hand sides (n²·rhs flops)`);
const rhsB = new Float64Array(n * rhs).map(() => rng.normal());
const tflops = n * n * rhs;
for (const threads of [1, 2]) {
  const [t, cpu] = await timeCpu(() => solveLowerSimd(factor, n, rhsB.slice(), rhs, threads));
  console.log(
    `  WASM SIMD, ${threads} thread${threads > 1 ? "s" : " "}: ${t.toFixed(2)} s (${cpu.toFixed(2)} s CPU), ${g(tflops, t)} GFLOP/s`,
  );
}
if (scalar) {
  const [, t] = time(() => solveLower(factor, n, rhsB.slice(), rhs));
  console.log(`  blocked TS, 1 thread: ${t.toFixed(2)} s, ${g(tflops, t)} GFLOP/s`);
}
// ---- the symmetric training kernel P·Pᵀ (P m×f): upper triangle only (SYRK), against numpy's P @ P.T (also SYRK)
{
  const [sm, sf] = arg("syrk", quick ? "1200x1036" : "9600x8288")
    .split("x")
    .map(Number) as [number, number];
  const p = new Float64Array(sm * sf).map(() => rng.normal());
  const sflops = sm * sm * sf; // the triangle's multiply-adds × 2
  console.log(`Symmetric P·Pᵀ, P ${sm}x${sf} (m²·f flops: the triangle)`);
  const [t, cpu] = await timeCpu(() => simdGram(p, 0, sm, p, 0, sm, sf, true, 2));
  console.log(`  WASM SIMD, 2 threads: ${t.toFixed(2)} s (${cpu.toFixed(2)} s CPU), ${g(sflops, t)} GFLOP/s`);
  const npg = numpyTimes(0, sm, sf);
  console.log(
    npg
      ? `  numpy P @ P.T: ${npg.syrk.toFixed(2)} s (${npg.syrkCpu.toFixed(2)} s CPU), ${g(sflops, npg.syrk)} GFLOP/s`
      : "  numpy: not available (python3 with numpy)",
  );
}
pool.dispose();
