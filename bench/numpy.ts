/**
 * numpy's LAPACK Cholesky and BLAS P·Pᵀ timed by `python3 -c` on the same machine in the same run (the reference
 * of issue 13's targets): wall and CPU seconds (all threads; the machine may be shared). Null when python3 with
 * numpy is not available.
 */
import { spawnSync } from "node:child_process";

const SCRIPT = `
import sys, time, numpy as np
n, m, f = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(1)
def timed(g):
    t, c = time.perf_counter(), time.process_time()
    g()
    return time.perf_counter() - t, time.process_time() - c
out = [0, 0, 0, 0]
if n > 0:
    x = rng.standard_normal((n, 256))
    a = x @ x.T / 256 + np.eye(n)
    del x
    out[0:2] = timed(lambda: np.linalg.cholesky(a))
    del a
if m > 0:
    p = rng.standard_normal((m, f))
    out[2:4] = timed(lambda: p @ p.T)
print(*out)
`;

export interface NumpyTimes {
  /** Cholesky of an n×n SPD matrix: wall and CPU seconds (0 when not asked). */
  cholesky: number;
  choleskyCpu: number;
  /** P @ P.T for P m×f (numpy uses SYRK for this form): wall and CPU seconds (0 when not asked). */
  syrk: number;
  syrkCpu: number;
}

/** numpy's times for a Cholesky of order n (0: skipped) and P @ P.T of P m×f (m = 0: skipped). */
export function numpyTimes(n: number, m = 0, f = 0): NumpyTimes | null {
  const r = spawnSync("python3", ["-c", SCRIPT, String(n), String(m), String(f)], { encoding: "utf8" });
  if (r.status !== 0 || !r.stdout) return null;
  const v = r.stdout.trim().split(/\s+/).map(Number);
  if (v.length !== 4 || !v.every(Number.isFinite)) return null;
  return { cholesky: v[0]!, choleskyCpu: v[1]!, syrk: v[2]!, syrkCpu: v[3]! };
}
