/**
 * Cache-blocked, register-blocked float64 GEMM on Float64Array (row-major, BLAS-like strides).
 *
 *   C ← α · op(A) · op(B) + β · C
 *
 * op(A) is m×k, op(B) is k×n, C is m×n. Without transposition, A[i,p] = a[aOff + i·lda + p] and
 * B[p,j] = b[bOff + p·ldb + j]; with `transA`, A[i,p] = a[aOff + p·lda + i]; with `transB`,
 * B[p,j] = b[bOff + j·ldb + p]. C[i,j] = c[cOff + i·ldc + j].
 *
 * The main case for Gram matrices is C = A·Bᵀ (`transB = true`: both operands stored as rows of features).
 *
 * Algorithm (Goto/van de Geijn): the k dimension is cut in KC slices, n in NC slices; each B slice is packed
 * into NR-wide panels (contiguous in k), each MC×KC block of A into MR-high panels, then an MR×NR
 * micro-kernel with the accumulators held in local variables runs over the packed panels. Packing makes
 * every operand layout (transposed or not, any stride) look the same to the micro-kernel.
 *
 * `gemmKernelSource` is self-contained (no imports, no closures) so that worker threads can evaluate its
 * source text (see src/math/_workerPool.ts).
 */

/**
 * Self-contained GEMM: C ← α·op(A)·op(B) + β·C. Scratch buffers are allocated per call (O(MC·KC + KC·NC)),
 * never in the inner loops.
 */
// long: self-contained source evaluated in worker threads (gemmKernelSource): packing and micro-kernel cannot call helpers
export function gemmKernel(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  beta: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  // Blocking parameters, local so that the source text stays self-contained (tuned on the 2-core x86_64 VM of
  // ANCHORS.md; see bench/linalg.ts).
  const MR = 4;
  const NR = 4;
  const MC = 96;
  const KC = 256;
  const NC = 2048;
  if (m <= 0 || n <= 0) return;
  // β scaling first (β = 0 overwrites, so NaN/garbage in C is ignored, as BLAS does).
  if (beta !== 1) {
    for (let i = 0; i < m; i++) {
      const row = cOff + i * ldc;
      if (beta === 0) {
        for (let j = 0; j < n; j++) c[row + j] = 0;
      } else {
        for (let j = 0; j < n; j++) c[row + j] *= beta;
      }
    }
  }
  if (k <= 0 || alpha === 0) return;
  const kcMax = Math.min(KC, k);
  const ncMax = Math.min(NC, n);
  const mcMax = Math.min(MC, m);
  const pb = new Float64Array(kcMax * (Math.ceil(ncMax / NR) * NR));
  const pa = new Float64Array(kcMax * (Math.ceil(mcMax / MR) * MR));
  const edge = new Float64Array(MR * NR);

  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    const nPanelsB = Math.ceil(nc / NR);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      // ---- pack B[pc:pc+kc, jc:jc+nc] into NR-wide panels: pb[panel*kc*NR + p*NR + col]
      for (let jp = 0; jp < nPanelsB; jp++) {
        const base = jp * kc * NR;
        const j0 = jc + jp * NR;
        const w = Math.min(NR, n - j0);
        if (transB) {
          for (let col = 0; col < NR; col++) {
            if (col < w) {
              const src = bOff + (j0 + col) * ldb + pc;
              for (let p = 0; p < kc; p++) pb[base + p * NR + col] = b[src + p];
            } else {
              for (let p = 0; p < kc; p++) pb[base + p * NR + col] = 0;
            }
          }
        } else {
          for (let p = 0; p < kc; p++) {
            const src = bOff + (pc + p) * ldb + j0;
            const dst = base + p * NR;
            for (let col = 0; col < NR; col++) pb[dst + col] = col < w ? b[src + col] : 0;
          }
        }
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        const nPanelsA = Math.ceil(mc / MR);
        // ---- pack α·A[ic:ic+mc, pc:pc+kc] into MR-high panels: pa[panel*kc*MR + p*MR + row]
        for (let ip = 0; ip < nPanelsA; ip++) {
          const base = ip * kc * MR;
          const i0 = ic + ip * MR;
          const h = Math.min(MR, m - i0);
          if (!transA) {
            for (let r = 0; r < MR; r++) {
              if (r < h) {
                const src = aOff + (i0 + r) * lda + pc;
                for (let p = 0; p < kc; p++) pa[base + p * MR + r] = alpha * a[src + p];
              } else {
                for (let p = 0; p < kc; p++) pa[base + p * MR + r] = 0;
              }
            }
          } else {
            for (let p = 0; p < kc; p++) {
              const src = aOff + (pc + p) * lda + i0;
              const dst = base + p * MR;
              for (let r = 0; r < MR; r++) pa[dst + r] = r < h ? alpha * a[src + r] : 0;
            }
          }
        }
        // ---- micro-kernel over the panels
        for (let jp = 0; jp < nPanelsB; jp++) {
          const j0 = jc + jp * NR;
          const w = Math.min(NR, n - j0);
          const bBase = jp * kc * NR;
          for (let ip = 0; ip < nPanelsA; ip++) {
            const i0 = ic + ip * MR;
            const h = Math.min(MR, m - i0);
            let ia = ip * kc * MR;
            let ib = bBase;
            let c00 = 0;
            let c01 = 0;
            let c02 = 0;
            let c03 = 0;
            let c10 = 0;
            let c11 = 0;
            let c12 = 0;
            let c13 = 0;
            let c20 = 0;
            let c21 = 0;
            let c22 = 0;
            let c23 = 0;
            let c30 = 0;
            let c31 = 0;
            let c32 = 0;
            let c33 = 0;
            for (let p = 0; p < kc; p++) {
              const a0 = pa[ia];
              const a1 = pa[ia + 1];
              const a2 = pa[ia + 2];
              const a3 = pa[ia + 3];
              const b0 = pb[ib];
              const b1 = pb[ib + 1];
              const b2 = pb[ib + 2];
              const b3 = pb[ib + 3];
              c00 += a0 * b0;
              c01 += a0 * b1;
              c02 += a0 * b2;
              c03 += a0 * b3;
              c10 += a1 * b0;
              c11 += a1 * b1;
              c12 += a1 * b2;
              c13 += a1 * b3;
              c20 += a2 * b0;
              c21 += a2 * b1;
              c22 += a2 * b2;
              c23 += a2 * b3;
              c30 += a3 * b0;
              c31 += a3 * b1;
              c32 += a3 * b2;
              c33 += a3 * b3;
              ia += 4;
              ib += 4;
            }
            if (h === MR && w === NR) {
              let o = cOff + i0 * ldc + j0;
              c[o] += c00;
              c[o + 1] += c01;
              c[o + 2] += c02;
              c[o + 3] += c03;
              o += ldc;
              c[o] += c10;
              c[o + 1] += c11;
              c[o + 2] += c12;
              c[o + 3] += c13;
              o += ldc;
              c[o] += c20;
              c[o + 1] += c21;
              c[o + 2] += c22;
              c[o + 3] += c23;
              o += ldc;
              c[o] += c30;
              c[o + 1] += c31;
              c[o + 2] += c32;
              c[o + 3] += c33;
            } else {
              edge[0] = c00;
              edge[1] = c01;
              edge[2] = c02;
              edge[3] = c03;
              edge[4] = c10;
              edge[5] = c11;
              edge[6] = c12;
              edge[7] = c13;
              edge[8] = c20;
              edge[9] = c21;
              edge[10] = c22;
              edge[11] = c23;
              edge[12] = c30;
              edge[13] = c31;
              edge[14] = c32;
              edge[15] = c33;
              for (let r = 0; r < h; r++) {
                const o = cOff + (i0 + r) * ldc + j0;
                for (let col = 0; col < w; col++) c[o + col] += edge[r * NR + col];
              }
            }
          }
        }
      }
    }
  }
}

/** Source text of the self-contained kernel, for worker threads. */
export const gemmKernelSource: string = gemmKernel.toString();

/**
 * Trailing update of the lower triangle, rows r0..r1 (on the block grid from `t0`):
 * A[i, t0..i] −= L21[i,:] · L21[t0..i,:]ᵀ with L21 the columns k0..k0+b. Done block-row by block-row so
 * only the lower triangle (plus the diagonal blocks) is computed. Used by the blocked Cholesky of
 * linalg.ts; self-contained apart from `gemmKernel` so worker threads can evaluate its source.
 */
export function trailingUpdateRows(
  a: Float64Array,
  lda: number,
  k0: number,
  b: number,
  t0: number,
  r0: number,
  r1: number,
  nb: number,
): void {
  for (let i0 = r0; i0 < r1; i0 += nb) {
    const rows = Math.min(nb, r1 - i0);
    const cols = i0 + rows - t0;
    gemmKernel(
      false,
      true,
      rows,
      cols,
      b,
      -1,
      a,
      i0 * lda + k0,
      lda,
      a,
      t0 * lda + k0,
      lda,
      1,
      a,
      i0 * lda + t0,
      lda,
    );
  }
}

/**
 * Forward substitution L·X = B in place on the columns c0..c1 of B (n × ldb, row-major), L n×n lower
 * (row-major). Blocked by `nb` rows: the off-diagonal part of each block row is one GEMM, the diagonal
 * block a small substitution. Self-contained apart from `gemmKernel` (worker threads evaluate its source):
 * column ranges are independent, so they can be solved on different threads.
 */
export function solveLowerColumns(
  l: Float64Array,
  n: number,
  b: Float64Array,
  ldb: number,
  c0: number,
  c1: number,
  nb: number,
): void {
  const w = c1 - c0;
  for (let i0 = 0; i0 < n; i0 += nb) {
    const h = Math.min(nb, n - i0);
    if (i0 > 0) gemmKernel(false, false, h, w, i0, -1, l, i0 * n, n, b, c0, ldb, 1, b, i0 * ldb + c0, ldb);
    for (let i = i0; i < i0 + h; i++) {
      const ri = i * n;
      const bi = i * ldb;
      for (let p = i0; p < i; p++) {
        const lip = l[ri + p];
        if (lip === 0) continue;
        const bp = p * ldb;
        for (let c = c0; c < c1; c++) b[bi + c] -= lip * b[bp + c];
      }
      const inv = 1 / l[ri + i];
      for (let c = c0; c < c1; c++) b[bi + c] *= inv;
    }
  }
}

/** Source of the column-range forward substitution, for worker threads. */
export const solveLowerColumnsSource: string = solveLowerColumns.toString();

/** Source of the trailing update, for worker threads (they define `gemmKernel` first). */
export const trailingUpdateSource: string = trailingUpdateRows.toString();

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  aOffset?: number;
  bOffset?: number;
  cOffset?: number;
  /** Leading dimensions (row strides); default: dense (k or m for A, n or k for B, n for C). */
  lda?: number;
  ldb?: number;
  ldc?: number;
}

/**
 * C ← α·op(A)·op(B) + β·C with named options (defaults: no transposes, α = 1, β = 0, dense strides).
 * Returns c.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  opts: GemmOptions = {},
): Float64Array {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const lda = opts.lda ?? (transA ? m : k);
  const ldb = opts.ldb ?? (transB ? k : n);
  const ldc = opts.ldc ?? n;
  gemmKernel(
    transA,
    transB,
    m,
    n,
    k,
    opts.alpha ?? 1,
    a,
    opts.aOffset ?? 0,
    lda,
    b,
    opts.bOffset ?? 0,
    ldb,
    opts.beta ?? 0,
    c,
    opts.cOffset ?? 0,
    ldc,
  );
  return c;
}

/** out (n×m) = A·Bᵀ for row-major A (n×f) and B (m×f); the Gram-matrix case. */
export function gemmABt(
  a: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  f: number,
  out: Float64Array = new Float64Array(n * m),
): Float64Array {
  gemmKernel(false, true, n, m, f, 1, a, 0, f, b, 0, f, 0, out, 0, m);
  return out;
}

/** out (m×n) = A·B for row-major A (m×k) and B (k×n). */
export function gemmAB(
  a: Float64Array,
  m: number,
  b: Float64Array,
  k: number,
  n: number,
  out: Float64Array = new Float64Array(m * n),
): Float64Array {
  gemmKernel(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, out, 0, n);
  return out;
}

/** Reference triple loop (for tests and benchmarks): same semantics as gemmKernel. */
export function gemmNaive(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  beta: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        const y = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        s += x * y;
      }
      const o = cOff + i * ldc + j;
      c[o] = (beta === 0 ? 0 : beta * c[o]) + alpha * s;
    }
  }
}
