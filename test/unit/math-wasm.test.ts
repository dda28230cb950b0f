/**
 * The WebAssembly assembler (src/math/wasm.ts) and the one SIMD switch: which path ran (SIMD kernel or the
 * JavaScript fallback) for both hand-assembled modules, the λ-SOAP coupling's outer products and the Gram product,
 * and that both paths give the same features.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { simdGemmAvailable, simdGram } from "../../src/math/simdGemm.js";
import { leb128, simdEnabled } from "../../src/math/wasm.js";
import { LambdaCoupling } from "../../src/soap/lambdaSoap.js";

describe("WebAssembly assembler", () => {
  it("encodes unsigned LEB128 as the WebAssembly spec's examples", () => {
    // 624485 = 0x98765 → E5 8E 26 (the LEB128 example of the DWARF spec / Wikipedia); 0, 127, 128 at the byte edges
    expect(leb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(leb128(0)).toEqual([0]);
    expect(leb128(127)).toEqual([0x7f]);
    expect(leb128(128)).toEqual([0x80, 0x01]);
    expect(leb128(65536)).toEqual([0x80, 0x80, 0x04]);
  });
});

describe("SOAPGPR_NO_SIMD selects the path of both SIMD modules", () => {
  const saved = process.env.SOAPGPR_NO_SIMD;
  afterEach(() => {
    if (saved === undefined) delete process.env.SOAPGPR_NO_SIMD;
    else process.env.SOAPGPR_NO_SIMD = saved;
  });

  /** One centre's λ=2 features of an 8-channel coupling (lmax 3) on a fixed random expansion. */
  function features(): { kind: string; values: Float64Array } {
    const c = new LambdaCoupling(2, 3, 8);
    const rng = new Rng(3);
    const X = Float64Array.from({ length: 16 * 8 }, () => rng.normal());
    const out = new Float64Array(5 * c.nProperties);
    c.couple(X, 0, out, 0, 0.7);
    return { kind: c.outerKind, values: out };
  }

  it("unset: the SIMD kernels run; '1' and 'true' (read at run time): the JavaScript loops, same features", async () => {
    delete process.env.SOAPGPR_NO_SIMD;
    expect(simdEnabled()).toBe(true);
    expect(simdGemmAvailable()).toBe(true);
    const simd = features();
    expect(simd.kind).toBe("simd");
    const a = Float64Array.from({ length: 12 * 6 }, (_, i) => Math.sin(i));
    expect(await simdGram(a, 0, 12, a, 0, 12, 6, true)).not.toBeNull();
    // channels not a multiple of the 4 × 4 tile: the JavaScript loops even with SIMD on
    expect(new LambdaCoupling(2, 3, 6).outerKind).toBe("js");
    for (const v of ["1", "true"]) {
      process.env.SOAPGPR_NO_SIMD = v;
      expect(simdEnabled()).toBe(false);
      expect(simdGemmAvailable()).toBe(false);
      expect(await simdGram(a, 0, 12, a, 0, 12, 6, true)).toBeNull();
      const js = features();
      expect(js.kind).toBe("js");
      // the same float64 products summed in the same order: bitwise equal
      expect(Array.from(js.values)).toEqual(Array.from(simd.values));
    }
  });
});
