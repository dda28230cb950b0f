/**
 * numpy's LAPACK Cholesky and BLAS P·Pᵀ timed by `python3 -c` on the same machine in the same run (the reference
 * of issue 13's targets). Null when python3 with numpy is not available.
 */
import { spawnSync } from "node:child_process";

const SCRIPT = `
import sys, time, numpy as np
n, f = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
x = rng.standard_normal((n, 256))
a = x @ x.T / 256 + np.eye(n)
t = time.perf_counter(); np.linalg.cholesky(a); tc = time.perf_counter() - t
del a, x
p = rng.standard_normal((n, f)) if f > 0 else np.zeros((1, 1))
t = time.perf_counter(); p @ p.T; tg = time.perf_counter() - t
print(tc, tg if f > 0 else 0)
`;

/** Seconds of numpy's Cholesky of an n×n SPD matrix and of P @ P.T for P n×f (f = 0: not run). */
export function numpyTimes(n: number, f = 0): { cholesky: number; syrk: number } | null {
  const r = spawnSync("python3", ["-c", SCRIPT, String(n), String(f)], { encoding: "utf8" });
  if (r.status !== 0 || !r.stdout) return null;
  const [c, g] = r.stdout.trim().split(/\s+/).map(Number);
  return Number.isFinite(c) && Number.isFinite(g) ? { cholesky: c!, syrk: g! } : null;
}
