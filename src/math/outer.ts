/**
 * Outer-product sums of the λ-SOAP coupling, P(A, B) = Σ_{t<ng} X[xr[t] + A] · ys[t K + B] over K channels, full
 * (K × K) or as a packed upper triangle, in two implementations with the same float64 products and sums: a
 * hand-assembled WebAssembly SIMD kernel (f64x2, 4 × 4 tiles, module built with wasm.ts) and JavaScript 4 × 4
 * register tiles. `couplingOuter` picks SIMD when it compiles, K is a multiple of 4 and SOAPGPR_NO_SIMD is not
 * set (wasm.ts: simdEnabled), else the JavaScript loops.
 *
 * The caller (LambdaCoupling.couple) works in the engine's arrays: `begin` places one centre's expansion (x from
 * x0) and the output (o from o0; SIMD: staging in module memory, copied out by `end`), the caller writes the ys
 * rows to ys from ys0 (row t at ys0 + t K) and the row offsets xr[t] into x, then calls `full` / `triangle`.
 */
import { compileModule, emitter, kernelFunction, kernelModule, op, simdEnabled, wasmMemory } from "./wasm.js";

/** One centre's coupling arrays and the two products; see the top of this file. */
export interface CouplingOuter {
  readonly kind: "simd" | "js";
  x: Float64Array;
  x0: number;
  o: Float64Array;
  o0: number;
  readonly ys: Float64Array;
  readonly ys0: number;
  /** Place X[xOff ..] ((lmax+1)² K values) and the output out[outOff ..]. */
  begin(X: Float64Array, xOff: number, out: Float64Array, outOff: number): void;
  /** o[ob + A K + B] = Σ_{t<ng} x[xr[t] + A] ys[ys0 + t K + B]. */
  full(xr: Int32Array, ng: number, ob: number): void;
  /** The upper triangle (strict = 0: B ≥ A, diagonal × 1/√2; 1: B > A) packed from o[ob] (see outerTriangle). */
  triangle(xr: Int32Array, ng: number, ob: number, strict: number): void;
  /** Copy the staged output (n values) to out[outOff ..] (no-op where the output was written in place). */
  end(out: Float64Array, outOff: number, n: number): void;
}

/**
 * The coupling products for K channels, expansions up to lmax and outputs of nOut values per centre (the SIMD
 * kernel when available, see the top of this file).
 */
export function couplingOuter(lmax: number, K: number, nOut: number, strict: number): CouplingOuter {
  const mod = K % 4 === 0 && simdEnabled() ? simdOuterModule() : null;
  return (mod && SimdOuter.create(mod, lmax, K, nOut, strict)) || new JsOuter(lmax, K);
}

/**
 * Hand-assembled WebAssembly SIMD (f64x2) kernel for the coupling's outer products:
 *   outer(xr, ng, ys, ldy, rows, K, bsm, bsa, bem, bea, ob): for A = 0, 4, …, K−4 (K a multiple of 4) and
 *   B = bsm·A + bsa, +4, … < bem·A + bea, the 4 × 4 tile  f64[ob + rows[A + r] + 8 (B + s)] =
 *   Σ_{t<ng} f64[xr[t] + 8 (A + r)] · f64[ys + t·ldy + 8 (B + s)]  (byte addresses; xr, rows: i32 tables).
 *   Full block: B in [0, K); triangle: B in [A + 4, K); diagonal tiles: B = A. Two f64x2 accumulators per row.
 */
function outerModuleBytes(): Uint8Array {
  const { get, set, tee, i32 } = op;
  const [xr, ng, ys, ldy, rows, K, bsm, bsa, bem, bea, ob] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [a, b, t, xa, yp, addr, bend] = [11, 12, 13, 14, 15, 16, 17];
  const acc = (r: number, s: number) => 18 + 2 * r + s; // v128 18..25
  const xv = (r: number) => 26 + r; // v128 26..29
  const yv = (s: number) => 30 + s; // v128 30, 31
  const [body, emit] = emitter();
  emit(op.block, op.loop); // loop A
  emit(get(bsm), get(a), op.i32Mul, get(bsa), op.i32Add, set(b)); // b = bsm·a + bsa
  emit(get(bem), get(a), op.i32Mul, get(bea), op.i32Add, set(bend)); // bend = bem·a + bea
  emit(op.block, get(b), get(bend), op.i32GeU, op.brIf(0)); // block; br_if b ≥ bend
  emit(op.loop); // loop B
  for (let r = 0; r < 4; r++) for (let s = 0; s < 2; s++) emit(op.v128Zero, set(acc(r, s)));
  emit(get(ys), get(b), i32(3), op.i32Shl, op.i32Add, set(yp), i32(0), set(t)); // yp = ys + 8b; t = 0
  emit(op.loop); // loop t
  // xa = xr[t] + 8a
  emit(
    get(xr),
    get(t),
    i32(2),
    op.i32Shl,
    op.i32Add,
    op.i32Load(2, 0),
    get(a),
    i32(3),
    op.i32Shl,
    op.i32Add,
    set(xa),
  );
  for (let r = 0; r < 4; r++) emit(get(xa), op.v128Load64Splat(3, 8 * r), set(xv(r)));
  for (let s = 0; s < 2; s++) emit(get(yp), op.v128Load(3, 16 * s), set(yv(s)));
  for (let r = 0; r < 4; r++)
    for (let s = 0; s < 2; s++)
      emit(get(acc(r, s)), get(xv(r)), get(yv(s)), op.f64x2Mul, op.f64x2Add, set(acc(r, s)));
  emit(get(yp), get(ldy), op.i32Add, set(yp)); // yp += ldy
  emit(get(t), i32(1), op.i32Add, tee(t), get(ng), op.i32LtU, op.brIf(0), op.end); // while ++t < ng
  for (let r = 0; r < 4; r++) {
    // addr = ob + rows[a + r] + 8b
    emit(
      get(rows),
      get(a),
      i32(r),
      op.i32Add,
      i32(2),
      op.i32Shl,
      op.i32Add,
      op.i32Load(2, 0),
      get(ob),
      op.i32Add,
    );
    emit(get(b), i32(3), op.i32Shl, op.i32Add, tee(addr));
    emit(get(acc(r, 0)), op.v128Store(3, 0), get(addr), get(acc(r, 1)), op.v128Store(3, 16));
  }
  emit(get(b), i32(4), op.i32Add, tee(b), get(bend), op.i32LtU, op.brIf(0), op.end, op.end); // while (b += 4) < bend
  emit(get(a), i32(4), op.i32Add, tee(a), get(K), op.i32LtU, op.brIf(0), op.end, op.end); // while (a += 4) < K
  return kernelModule({
    name: "outer",
    nParams: 11,
    locals: { i32: 7, v128: 14 },
    sharedMemory: false,
    body,
  });
}

let outerModule: object | null | undefined;
function simdOuterModule(): object | null {
  if (outerModule === undefined) outerModule = compileModule(outerModuleBytes());
  return outerModule;
}

/** The SIMD engine: one module instance per coupling, its memory laid out once (byte addresses below). */
class SimdOuter implements CouplingOuter {
  readonly kind = "simd";
  readonly x: Float64Array;
  readonly x0: number;
  readonly o: Float64Array;
  readonly o0: number;
  readonly ys: Float64Array;
  readonly ys0: number;
  private readonly outer: (...args: number[]) => void;
  private readonly i32: Int32Array;
  private readonly K: number;
  private readonly nX: number;
  /** ys rows, xr table, row tables (full, triangle, diagonal tiles), diagonal tiles' scratch */
  private readonly ysB: number;
  private readonly xrB: number;
  private readonly rowsFullB: number;
  private readonly rowsTriB: number;
  private readonly rowsDiagB: number;
  private readonly diagB: number;

  /** Null when the module memory cannot be made. */
  static create(mod: object, lmax: number, K: number, nOut: number, strict: number): SimdOuter | null {
    const D = 2 * lmax + 1;
    // regions in doubles, each 16-byte aligned
    const al = (n: number) => n + (n & 1);
    const xB = 64; // (a row base may be 8 bytes below the staging start: keep everything above 0)
    const ysB = xB + 8 * al((lmax + 1) ** 2 * K);
    const xrB = ysB + 8 * al(D * K);
    // i32 tables: xr (D), rows full / triangle / diagonal tiles (K each), 8-byte units
    const diagB = xrB + 8 * al(D + 3 * K); // the diagonal 4 × 4 tiles: (a, B) at 4a + B − (a − a mod 4)
    const outB = diagB + 8 * 4 * K + 64;
    const mem = wasmMemory(Math.ceil((outB + 8 * nOut) / 65536));
    if (!mem) return null;
    return new SimdOuter(kernelFunction(mod, mem, "outer"), mem.buffer, lmax, K, strict, {
      xB,
      ysB,
      xrB,
      diagB,
      outB,
    });
  }

  private constructor(
    outer: (...args: number[]) => void,
    buffer: ArrayBuffer,
    lmax: number,
    K: number,
    strict: number,
    at: { xB: number; ysB: number; xrB: number; diagB: number; outB: number },
  ) {
    this.outer = outer;
    this.K = K;
    this.nX = (lmax + 1) ** 2 * K;
    this.x = new Float64Array(buffer);
    this.o = this.x;
    this.ys = this.x;
    this.i32 = new Int32Array(buffer);
    this.x0 = at.xB / 8;
    this.ys0 = at.ysB / 8;
    this.o0 = at.outB / 8;
    this.ysB = at.ysB;
    this.xrB = at.xrB;
    this.diagB = at.diagB;
    this.rowsFullB = at.xrB + 4 * (2 * lmax + 1);
    this.rowsTriB = this.rowsFullB + 4 * K;
    this.rowsDiagB = this.rowsTriB + 4 * K;
    for (let A = 0; A < K; A++) {
      this.i32[this.rowsFullB / 4 + A] = 8 * A * K;
      this.i32[this.rowsTriB / 4 + A] = 8 * (A * (K - strict) - (A * (A - 1)) / 2 - A - strict);
      this.i32[this.rowsDiagB / 4 + A] = 8 * (4 * A - (A - (A % 4)));
    }
  }

  begin(X: Float64Array, xOff: number): void {
    this.x.set(X.subarray(xOff, xOff + this.nX), this.x0);
  }

  /** The xr table in module memory: byte addresses of the x rows. */
  private loadRows(xr: Int32Array, ng: number): void {
    const xr0 = this.xrB / 4;
    for (let t = 0; t < ng; t++) this.i32[xr0 + t] = 8 * xr[t]!;
  }

  full(xr: Int32Array, ng: number, ob: number): void {
    const K = this.K;
    this.loadRows(xr, ng);
    this.outer(this.xrB, ng, this.ysB, 8 * K, this.rowsFullB, K, 0, 0, 0, K, 8 * ob);
  }

  triangle(xr: Int32Array, ng: number, ob: number, strict: number): void {
    const K = this.K;
    const f64 = this.x;
    this.loadRows(xr, ng);
    this.outer(this.xrB, ng, this.ysB, 8 * K, this.rowsTriB, K, 1, 4, 0, K, 8 * ob);
    // the 4 × 4 diagonal tiles into scratch, then their upper parts (diagonal weight 1 = √2/√2)
    this.outer(this.xrB, ng, this.ysB, 8 * K, this.rowsDiagB, K, 1, 0, 1, 4, this.diagB);
    const ks = K - strict;
    const h = Math.SQRT1_2;
    const d0 = this.diagB / 8;
    for (let a = 0; a < K; a++) {
      const A = a - (a % 4);
      const ra = ob + a * ks - (a * (a - 1)) / 2 - a - strict;
      const da = d0 + 4 * a - A;
      if (strict === 0) f64[ra + a] = h * f64[da + a]!;
      for (let B = a + 1; B < A + 4; B++) f64[ra + B] = f64[da + B]!;
    }
  }

  end(out: Float64Array, outOff: number, n: number): void {
    out.set(this.x.subarray(this.o0, this.o0 + n), outOff);
  }
}

/** The JavaScript products (outerTiles), written straight to the caller's output. */
class JsOuter implements CouplingOuter {
  readonly kind = "js";
  x: Float64Array = new Float64Array(0);
  x0 = 0;
  o: Float64Array = new Float64Array(0);
  o0 = 0;
  readonly ys: Float64Array;
  readonly ys0 = 0;
  private readonly K: number;

  constructor(lmax: number, K: number) {
    this.K = K;
    this.ys = new Float64Array((2 * lmax + 1) * K);
  }

  begin(X: Float64Array, xOff: number, out: Float64Array, outOff: number): void {
    this.x = X;
    this.x0 = xOff;
    this.o = out;
    this.o0 = outOff;
  }

  full(xr: Int32Array, ng: number, ob: number): void {
    outerTiles(this.x, xr, this.ys, ng, this.K, this.o, ob, false, 0);
  }

  triangle(xr: Int32Array, ng: number, ob: number, strict: number): void {
    outerTiles(this.x, xr, this.ys, ng, this.K, this.o, ob, true, strict);
  }

  end(): void {}
}

/**
 * P(A, B) = Σ_{t<ng} X[xr[t] + A] · ys[t K + B] into out from o0, by 4 × 4 register tiles (as the GEMM
 * micro-kernel). Full (triangular = false): P(A, B) at o0 + A K + B. Triangular: the upper triangle in packed row
 * order, strict = 0 storing B ≥ A (the diagonal, whose weight is 1 not √2, multiplied by 1/√2), strict = 1
 * storing B > A; entry (A, B) at rowBase(A) + B, rowBase(A) = o0 + A (K − strict) − A (A − 1)/2 − A − strict;
 * tiles on and above the diagonal (the diagonal tiles store their upper part only).
 */
// long: a hot loop unrolled by 4 rows with its remainder loops, kept in one piece for speed
function outerTiles(
  X: Float64Array,
  xr: Int32Array,
  ys: Float64Array,
  ng: number,
  K: number,
  out: Float64Array,
  o0: number,
  triangular: boolean,
  strict: number,
): void {
  const h = Math.SQRT1_2;
  const ks = K - strict;
  let A = 0;
  for (; A + 3 < K; A += 4) {
    const r0 = triangular ? o0 + A * ks - (A * (A - 1)) / 2 - A - strict : o0 + A * K;
    const r1 = triangular ? r0 + ks - A - 1 : r0 + K;
    const r2 = triangular ? r1 + ks - A - 2 : r1 + K;
    const r3 = triangular ? r2 + ks - A - 3 : r2 + K;
    let B = triangular ? A : 0;
    for (; B + 3 < K; B += 4) {
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
      for (let t = 0, q = 0; t < ng; t++, q += K) {
        const xa = xr[t]! + A;
        const x0 = X[xa]!;
        const x1 = X[xa + 1]!;
        const x2 = X[xa + 2]!;
        const x3 = X[xa + 3]!;
        const y0 = ys[q + B]!;
        const y1 = ys[q + B + 1]!;
        const y2 = ys[q + B + 2]!;
        const y3 = ys[q + B + 3]!;
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
        c20 += x2 * y0;
        c21 += x2 * y1;
        c22 += x2 * y2;
        c23 += x2 * y3;
        c30 += x3 * y0;
        c31 += x3 * y1;
        c32 += x3 * y2;
        c33 += x3 * y3;
      }
      if (triangular && B === A) {
        if (strict === 0) {
          out[r0 + A] = h * c00;
          out[r1 + A + 1] = h * c11;
          out[r2 + A + 2] = h * c22;
          out[r3 + A + 3] = h * c33;
        }
        out[r0 + A + 1] = c01;
        out[r0 + A + 2] = c02;
        out[r0 + A + 3] = c03;
        out[r1 + A + 2] = c12;
        out[r1 + A + 3] = c13;
        out[r2 + A + 3] = c23;
      } else {
        out[r0 + B] = c00;
        out[r0 + B + 1] = c01;
        out[r0 + B + 2] = c02;
        out[r0 + B + 3] = c03;
        out[r1 + B] = c10;
        out[r1 + B + 1] = c11;
        out[r1 + B + 2] = c12;
        out[r1 + B + 3] = c13;
        out[r2 + B] = c20;
        out[r2 + B + 1] = c21;
        out[r2 + B + 2] = c22;
        out[r2 + B + 3] = c23;
        out[r3 + B] = c30;
        out[r3 + B + 1] = c31;
        out[r3 + B + 2] = c32;
        out[r3 + B + 3] = c33;
      }
    }
    // remaining columns (fewer than 4)
    for (; B < K; B++) {
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let t = 0, q = 0; t < ng; t++, q += K) {
        const xa = xr[t]! + A;
        const y = ys[q + B]!;
        c0 += X[xa]! * y;
        c1 += X[xa + 1]! * y;
        c2 += X[xa + 2]! * y;
        c3 += X[xa + 3]! * y;
      }
      out[r0 + B] = c0;
      out[r1 + B] = c1;
      out[r2 + B] = c2;
      out[r3 + B] = c3;
    }
  }
  // remaining rows (fewer than 4)
  for (; A < K; A++) {
    const ra = triangular ? o0 + A * ks - (A * (A - 1)) / 2 - A - strict : o0 + A * K;
    for (let B = triangular ? A + strict : 0; B < K; B++) {
      let c = 0;
      for (let t = 0, q = 0; t < ng; t++, q += K) c += X[xr[t]! + A]! * ys[q + B]!;
      out[ra + B] = triangular && B === A ? h * c : c;
    }
  }
}
