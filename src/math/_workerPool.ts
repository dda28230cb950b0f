/**
 * Internal: a small pool of worker_threads that run the self-contained GEMM kernel (src/math/gemm.ts) on
 * row ranges of C. Operands live in SharedArrayBuffers (copied there when they are not already), so no
 * data is transferred per call beyond the copy. Workers are evaluated from source text (no loader needed,
 * works under tsx, vitest and compiled JS alike) and unref'd while idle so they never keep a process alive.
 */
import { Worker } from "node:worker_threads";
import { gemmKernel, gemmKernelSource, solveLowerColumnsSource, trailingUpdateSource } from "./gemm.js";

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const gemmKernel = ${gemmKernelSource};
const trailingUpdateRows = ${trailingUpdateSource};
const solveLowerColumns = ${solveLowerColumnsSource};
parentPort.on("message", (j) => {
  try {
    if (j.op === "trsm") {
      solveLowerColumns(new Float64Array(j.l), j.n, new Float64Array(j.b), j.ldb, j.c0, j.c1, j.nb);
      parentPort.postMessage({ id: j.id, ok: true });
      return;
    }
    if (j.op === "trailing") {
      trailingUpdateRows(new Float64Array(j.a), j.lda, j.k0, j.b, j.t0, j.r0, j.r1, j.nb);
      parentPort.postMessage({ id: j.id, ok: true });
      return;
    }
    const a = new Float64Array(j.a), b = new Float64Array(j.b), c = new Float64Array(j.c);
    gemmKernel(j.transA, j.transB, j.m, j.n, j.k, j.alpha, a, j.aOff, j.lda, b, j.bOff, j.ldb, j.beta, c, j.cOff, j.ldc);
    parentPort.postMessage({ id: j.id, ok: true });
  } catch (e) {
    parentPort.postMessage({ id: j.id, ok: false, error: String(e && e.stack || e) });
  }
});
`;

interface Pending {
  resolve: () => void;
  reject: (e: Error) => void;
}

function isShared(x: Float64Array): boolean {
  return typeof SharedArrayBuffer !== "undefined" && x.buffer instanceof SharedArrayBuffer;
}

/** A Float64Array backed by a SharedArrayBuffer (copy of `src` when given). */
export function sharedFloat64(length: number, src?: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(length * 8));
  if (src) out.set(src.subarray(0, length));
  return out;
}

export class GemmPool {
  readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private active = 0;
  private disposed = false;
  private rr = 0;

  constructor(threads: number) {
    this.threads = Math.max(1, Math.floor(threads));
  }

  private ensureWorkers(): void {
    if (this.workers.length > 0) return;
    for (let t = 0; t < this.threads; t++) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.on("message", (msg: { id: number; ok: boolean; error?: string }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve();
        else p.reject(new Error(`GEMM worker failed: ${msg.error}`));
      });
      w.on("error", (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * C ← α·op(A)·op(B) + β·C (semantics of gemmKernel), rows of C split over the pool's threads.
   * Operands not in SharedArrayBuffers are copied there (and C copied back).
   */
  async gemm(
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
  ): Promise<void> {
    if (this.disposed) throw new Error("GemmPool used after dispose()");
    const parts = Math.min(this.threads, Math.ceil(m / 64));
    if (parts <= 1) {
      gemmKernel(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    this.ensureWorkers();
    const sa = isShared(a) ? a : sharedFloat64(a.length, a);
    const sb = b === a ? sa : isShared(b) ? b : sharedFloat64(b.length, b);
    const sc = isShared(c) ? c : sharedFloat64(c.length, c);
    if (this.active++ === 0) for (const w of this.workers) w.ref();
    try {
      const jobs: Promise<void>[] = [];
      // Split rows of C in equal parts, rounded to multiples of 4 (the micro-kernel height).
      const step = Math.ceil(m / parts / 4) * 4;
      let t = 0;
      for (let i0 = 0; i0 < m; i0 += step, t++) {
        const rows = Math.min(step, m - i0);
        const id = this.nextId++;
        const worker = this.workers[t % this.workers.length]!;
        jobs.push(
          new Promise<void>((resolve, reject) => {
            this.pending.set(id, { resolve, reject });
            worker.postMessage({
              id,
              transA,
              transB,
              m: rows,
              n,
              k,
              alpha,
              a: sa.buffer,
              aOff: sa.byteOffset / 8 + (transA ? aOff + i0 : aOff + i0 * lda),
              lda,
              b: sb.buffer,
              bOff: sb.byteOffset / 8 + bOff,
              ldb,
              beta,
              c: sc.buffer,
              cOff: sc.byteOffset / 8 + cOff + i0 * ldc,
              ldc,
            });
          }),
        );
      }
      await Promise.all(jobs);
    } finally {
      if (--this.active === 0) for (const w of this.workers) w.unref();
    }
    if (sc !== c) c.set(sc);
  }

  /**
   * Run `trailingUpdateRows(a, lda, k0, b, t0, r0, r1, nb)` (src/math/gemm.ts) on one worker; `a` must be a
   * SharedArrayBuffer-backed array starting at byte 0. Calls round-robin over the workers.
   */
  trailingUpdate(
    a: Float64Array,
    lda: number,
    k0: number,
    b: number,
    t0: number,
    r0: number,
    r1: number,
    nb: number,
  ): Promise<void> {
    if (this.disposed) throw new Error("GemmPool used after dispose()");
    if (!isShared(a) || a.byteOffset !== 0)
      throw new Error("trailingUpdate needs a shared array at offset 0");
    this.ensureWorkers();
    const id = this.nextId++;
    const worker = this.workers[this.rr++ % this.workers.length]!;
    if (this.active++ === 0) for (const w of this.workers) w.ref();
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ op: "trailing", id, a: a.buffer, lda, k0, b, t0, r0, r1, nb });
    }).finally(() => {
      if (--this.active === 0) for (const w of this.workers) w.unref();
    });
  }

  /**
   * Run `solveLowerColumns(l, n, b, ldb, c0, c1, nb)` (src/math/gemm.ts) on one worker; `l` and `b` must be
   * SharedArrayBuffer-backed arrays starting at byte 0.
   */
  solveLowerColumns(
    l: Float64Array,
    n: number,
    b: Float64Array,
    ldb: number,
    c0: number,
    c1: number,
    nb: number,
  ): Promise<void> {
    if (this.disposed) throw new Error("GemmPool used after dispose()");
    if (!isShared(l) || !isShared(b) || l.byteOffset !== 0 || b.byteOffset !== 0) {
      throw new Error("solveLowerColumns needs shared arrays at offset 0");
    }
    this.ensureWorkers();
    const id = this.nextId++;
    const worker = this.workers[this.rr++ % this.workers.length]!;
    if (this.active++ === 0) for (const w of this.workers) w.ref();
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ op: "trsm", id, l: l.buffer, n, b: b.buffer, ldb, c0, c1, nb });
    }).finally(() => {
      if (--this.active === 0) for (const w of this.workers) w.unref();
    });
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}

let shared: GemmPool | null = null;

/** The process-wide pool (2 threads by default, or SOAPGPR_THREADS). */
export function sharedGemmPool(): GemmPool {
  if (!shared) {
    const env = Number(process.env.SOAPGPR_THREADS ?? "2");
    shared = new GemmPool(Number.isFinite(env) && env >= 1 ? env : 2);
  }
  return shared;
}
