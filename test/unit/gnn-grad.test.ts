import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import { realCG } from "../../src/gnn/irreps.js";
import { type ArchSpec, buildGraph, Network } from "../../src/gnn/network.js";
import {
  convBackward,
  convForward,
  gateBackward,
  gateForward,
  linearBackward,
  linearForward,
  radialBackward,
  radialForward,
  speciesLinearBackward,
  speciesLinearForward,
  tpBackward,
  tpForward,
} from "../../src/gnn/ops.js";

/** Central finite difference of f at x[k] (step h), restoring x. */
function fd(f: () => number, x: Float64Array, k: number, h = 1e-5): number {
  const x0 = x[k]!;
  x[k] = x0 + h;
  const fp = f();
  x[k] = x0 - h;
  const fm = f();
  x[k] = x0;
  return (fp - fm) / (2 * h);
}

function randn(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Checks analytic gradients of L = <gout, op(inputs)> against central differences on every entry of every
 * checked input. Central differences of these smooth functions at h=1e-5 carry O(h²)≈1e-10 truncation and
 * ~1e-11/h≈1e-6·|f| round-off relative to values of order 1–10, so 1e-6 relative (plus 1e-8 absolute) separates
 * a correct gradient from any wrong term, which would be off at order 1.
 */
function expectGradOk(analytic: Float64Array, f: () => number, x: Float64Array): void {
  for (let k = 0; k < x.length; k++) {
    const num = fd(f, x, k);
    expect(Math.abs(analytic[k]! - num)).toBeLessThan(1e-6 * Math.max(1, Math.abs(num)) + 1e-8);
  }
}

function smallStructure(seed: number): Structure {
  const rng = new Rng(seed);
  const n = 5;
  const pos = new Float64Array(3 * n);
  for (let i = 0; i < 3 * n; i++) pos[i] = 3.2 * rng.uniform();
  return new Structure({
    numbers: [8, 14, 8, 8, 14],
    positions: pos,
    cell: [3.3, 0, 0, 0.2, 3.4, 0, 0.1, -0.3, 3.5],
  });
}

const arch = (over: Partial<ArchSpec>): ArchSpec => ({
  nSpecies: 2,
  channels: 3,
  lmax: 2,
  layers: 2,
  rc: 3.0,
  nBasis: 4,
  radialHidden: 5,
  envelopeP: 6,
  avgNeighbors: 8,
  neighborNorm: "mean",
  head: "isd",
  target: "ms",
  tpRank: 2,
  tpN: 2,
  ...over,
});

describe("GNN backward ops vs central finite differences", () => {
  const rng = new Rng(7);

  it("linear and species-linear", () => {
    const n = 3;
    const cin = 4;
    const d = 3;
    const cout = 2;
    const x = randn(rng, n * cin * d);
    const w = randn(rng, cout * cin);
    const ws = randn(rng, 2 * cout * cin);
    const types = Int32Array.of(0, 1, 1);
    const go = randn(rng, n * cout * d);
    const out = new Float64Array(n * cout * d);
    const f = () => {
      linearForward(x, n, cin, d, w, cout, 0.7, out);
      speciesLinearForward(x, types, n, cin, d, ws, cout, 0.3, out);
      return dot(out, go);
    };
    const gx = new Float64Array(x.length);
    const gw = new Float64Array(w.length);
    const gws = new Float64Array(ws.length);
    linearBackward(x, n, cin, d, w, cout, 0.7, go, gx, gw);
    speciesLinearBackward(x, types, n, cin, d, ws, cout, 0.3, go, gx, gws);
    expectGradOk(gx, f, x);
    expectGradOk(gw, f, w);
    expectGradOk(gws, f, ws);
  });

  it("radial MLP", () => {
    const e = 4;
    const nb = 3;
    const hid = 5;
    const nout = 6;
    const b = randn(rng, e * nb);
    const w1 = randn(rng, nb * hid);
    const w2 = randn(rng, hid * nout);
    const go = randn(rng, e * nout);
    const a = new Float64Array(e * hid);
    const r = new Float64Array(e * nout);
    const f = () => {
      radialForward(b, e, nb, w1, hid, w2, nout, a, r);
      return dot(r, go);
    };
    f();
    const g1 = new Float64Array(w1.length);
    const g2 = new Float64Array(w2.length);
    radialBackward(b, e, nb, w1, hid, w2, nout, a, go, g1, g2);
    expectGradOk(g1, f, w1);
    expectGradOk(g2, f, w2);
  });

  it("uvu convolution (all l ≤ 2 paths, both parities)", () => {
    const s = smallStructure(3);
    const net = new Network(arch({}));
    const g = buildGraph(
      s,
      new Map([
        [8, 0],
        [14, 1],
      ]),
      net.arch,
    );
    const L = net.layerSpecs[1]!; // second layer: inputs 0e,1o,2e; outputs of both parities
    const C = 3;
    const x: (Float64Array | null)[] = new Array(6).fill(null);
    for (const id of L.inIds) x[id] = randn(rng, g.n * C * (2 * (id >> 1) + 1));
    const r = randn(rng, g.nEdges * L.paths.length * C);
    const msg: (Float64Array | null)[] = new Array(6).fill(null);
    const gm: (Float64Array | null)[] = new Array(6).fill(null);
    for (const id of L.outIds) {
      msg[id] = new Float64Array(g.n * L.msgC[id]! * (2 * (id >> 1) + 1));
      gm[id] = randn(rng, msg[id]!.length);
    }
    const f = () => {
      for (const id of L.outIds) msg[id]!.fill(0);
      convForward(g, L.paths, C, x, r, L.msgC, 0.25, msg);
      let s2 = 0;
      for (const id of L.outIds) s2 += dot(msg[id]!, gm[id]!);
      return s2;
    };
    const gx = x.map((a) => (a ? new Float64Array(a.length) : null));
    const gr = new Float64Array(r.length);
    convBackward(g, L.paths, C, x, r, L.msgC, 0.25, gm, gx, gr);
    for (const id of L.inIds) expectGradOk(gx[id]!, f, x[id]!);
    expectGradOk(gr, f, r);
  });

  it("gate", () => {
    const n = 2;
    const c = 2;
    const dims = [3, 5];
    const z0e = randn(rng, n * (c + 2 * c));
    const z0o = randn(rng, n * c);
    const zin = dims.map((d) => randn(rng, n * c * d));
    const o0e = new Float64Array(n * c);
    const o0o = new Float64Array(n * c);
    const oin = dims.map((d) => new Float64Array(n * c * d));
    const g0e = randn(rng, n * c);
    const g0o = randn(rng, n * c);
    const gin = dims.map((d) => randn(rng, n * c * d));
    const f = () => {
      gateForward(n, c, z0e, o0e, z0o, o0o, zin, oin, dims);
      return dot(o0e, g0e) + dot(o0o, g0o) + dot(oin[0]!, gin[0]!) + dot(oin[1]!, gin[1]!);
    };
    const gz0e = new Float64Array(z0e.length);
    const gz0o = new Float64Array(z0o.length);
    const gz = dims.map((d) => new Float64Array(n * c * d));
    gateBackward(n, c, z0e, g0e, gz0e, z0o, g0o, gz0o, zin, gin, gz, dims);
    expectGradOk(gz0e, f, z0e);
    expectGradOk(gz0o, f, z0o);
    expectGradOk(gz[0]!, f, zin[0]!);
    expectGradOk(gz[1]!, f, zin[1]!);
  });

  it("tensor-product head (l=2 → λ=0,1,2)", () => {
    const n = 2;
    const N = 3;
    const l = 2;
    const d = 5;
    const a = randn(rng, n * N * d);
    const b = randn(rng, n * N * d);
    const w = randn(rng, 2 * N * N);
    const types = Int32Array.of(1, 0);
    const out = new Float64Array(n * 9);
    const go = randn(rng, n * 9);
    const f = () => {
      out.fill(0);
      tpForward(n, N, l, 0, realCG(2, 2, 0), a, b, types, w, out, 9, 0);
      tpForward(n, N, l, 1, realCG(2, 2, 1), a, b, types, w, out, 9, 1);
      tpForward(n, N, l, 2, realCG(2, 2, 2), a, b, types, w, out, 9, 4);
      return dot(out, go);
    };
    const ga = new Float64Array(a.length);
    const gb = new Float64Array(b.length);
    const gw = new Float64Array(w.length);
    tpBackward(n, N, l, 0, realCG(2, 2, 0), a, b, types, w, go, 9, 0, ga, gb, gw);
    tpBackward(n, N, l, 1, realCG(2, 2, 1), a, b, types, w, go, 9, 1, ga, gb, gw);
    tpBackward(n, N, l, 2, realCG(2, 2, 2), a, b, types, w, go, 9, 4, ga, gb, gw);
    expectGradOk(ga, f, a);
    expectGradOk(gb, f, b);
    expectGradOk(gw, f, w);
  });
});

describe("whole-network parameter gradient vs central finite differences", () => {
  for (const head of ["isd", "tp"] as const) {
    it(`${head} head, MS target, 2 layers, lmax 2`, () => {
      const net = new Network(arch({ head }));
      const s = smallStructure(11);
      const g = buildGraph(
        s,
        new Map([
          [8, 0],
          [14, 1],
        ]),
        net.arch,
      );
      const rng = new Rng(5);
      const params = randn(rng, net.nParams);
      const go = randn(rng, g.n * net.ncomp);
      const f = () => dot(net.forward(params, g).out, go);
      const grad = new Float64Array(net.nParams);
      net.backward(params, net.forward(params, g), go, grad);
      expect(f()).not.toBe(0);
      expectGradOk(grad, f, params);
    });
  }
  it("tp head of rank 4 (lmax 4 harmonics and convolution), EFG target, 1 layer", () => {
    // covers the l=4 harmonics/CG (9×9 coupling matrices) in the convolution and the rank-4 TP head
    const net = new Network(arch({ head: "tp", target: "efg", layers: 1, lmax: 4, tpRank: 4, tpN: 2 }));
    const s = smallStructure(13);
    const g = buildGraph(
      s,
      new Map([
        [8, 0],
        [14, 1],
      ]),
      net.arch,
    );
    const rng = new Rng(6);
    const params = randn(rng, net.nParams);
    const go = randn(rng, g.n * net.ncomp);
    const f = () => dot(net.forward(params, g).out, go);
    const grad = new Float64Array(net.nParams);
    net.backward(params, net.forward(params, g), go, grad);
    expect(f()).not.toBe(0);
    expectGradOk(grad, f, params);
  });
});
