import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { gnnNeighbors } from "./_neighbors.js";
import { realCG, realSphericalHarmonics, SH_LMAX } from "./irreps.js";
import {
  type ConvPath,
  convBackward,
  convForward,
  type EdgeGraph,
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
} from "./ops.js";
import { besselBasis } from "./radial.js";

/** Irrep id = 2l + (1 if odd parity). */
export const irrepId = (l: number, odd: boolean): number => 2 * l + (odd ? 1 : 0);
export const irrepL = (id: number): number => id >> 1;
export const irrepName = (id: number): string => `${id >> 1}${id & 1 ? "o" : "e"}`;

export type HeadKind = "isd" | "tp";
export type TargetKind = "efg" | "ms";

export interface ArchSpec {
  readonly nSpecies: number;
  readonly channels: number;
  readonly lmax: number;
  readonly layers: number;
  readonly rc: number;
  readonly nBasis: number;
  readonly radialHidden: number;
  readonly envelopeP: number;
  readonly avgNeighbors: number;
  /** Aggregated messages are divided by avgNeighbors ("mean") or by its square root ("sqrt", NequIP's choice). */
  readonly neighborNorm: "mean" | "sqrt";
  readonly head: HeadKind;
  readonly target: TargetKind;
  /** TP head: rank l of the two feature sets and their number N. */
  readonly tpRank: number;
  readonly tpN: number;
}

interface LayerSpec {
  readonly inIds: number[];
  readonly outIds: number[];
  readonly gatedIds: number[];
  readonly paths: ConvPath[];
  readonly msgC: number[];
  readonly cout: number[];
}

interface Slice {
  readonly off: number;
  readonly size: number;
}

/** The lambdas of the target, in output order, and the number of components per atom. */
export function targetLambdas(t: TargetKind): number[] {
  return t === "efg" ? [2] : [0, 1, 2];
}

export function targetComponents(t: TargetKind): number {
  return targetLambdas(t).reduce((s, l) => s + 2 * l + 1, 0);
}

/** Per-structure constants: species slots, edges, harmonics and radial basis. */
export interface Graph extends EdgeGraph {
  readonly types: Int32Array;
  readonly nEdges: number;
  readonly basis: Float64Array;
}

export function buildGraph(s: Structure, speciesSlots: ReadonlyMap<number, number>, arch: ArchSpec): Graph {
  const n = s.length;
  const types = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = speciesSlots.get(s.numbers[i]!);
    if (t === undefined) {
      throw new EngineError(
        "InvalidParameter",
        `element Z=${s.numbers[i]} was not in the GNN training data`,
        {
          field: "species",
        },
      );
    }
    types[i] = t;
  }
  const nl = gnnNeighbors(s, arch.rc);
  const e = nl.neighbors.length;
  const stride = (arch.lmax + 1) ** 2;
  const sh = new Float64Array(e * stride);
  const basis = new Float64Array(e * arch.nBasis);
  for (let k = 0; k < e; k++) {
    const r = nl.distances[k]!;
    realSphericalHarmonics(
      arch.lmax,
      nl.vectors[3 * k]! / r,
      nl.vectors[3 * k + 1]! / r,
      nl.vectors[3 * k + 2]! / r,
      sh,
      k * stride,
    );
    besselBasis(r, arch.rc, arch.nBasis, arch.envelopeP, basis, k * arch.nBasis);
  }
  return { n, types, offsets: nl.offsets, neighbors: nl.neighbors, sh, shStride: stride, nEdges: e, basis };
}

interface LayerCache {
  h: (Float64Array | null)[];
  x1: (Float64Array | null)[];
  a: Float64Array;
  r: Float64Array;
  msg: (Float64Array | null)[];
  z: (Float64Array | null)[];
}

export interface ForwardCache {
  readonly graph: Graph;
  readonly layers: LayerCache[];
  readonly hLast: (Float64Array | null)[];
  readonly tpA: Float64Array | null;
  readonly tpB: Float64Array | null;
  /** n × components, standardised units. */
  readonly out: Float64Array;
}

/**
 * NequIP-style network: species embedding → `layers` interaction blocks (linear, uvu convolution with a radial
 * MLP per layer, aggregation / avgNeighbors, linear, species self-connection, gate) → ISD or TP head.
 * Parameters live in one flat Float64Array; `layout` names the slices.
 */
export class Network {
  readonly arch: ArchSpec;
  readonly layerSpecs: LayerSpec[];
  readonly layout = new Map<string, Slice>();
  readonly nParams: number;
  readonly ncomp: number;
  private readonly nIds: number;
  private readonly aggScale: number;

  constructor(arch: ArchSpec) {
    if (arch.lmax < 0 || arch.lmax > SH_LMAX) {
      throw new EngineError("InvalidParameter", `lmax must be 0..${SH_LMAX}, got ${arch.lmax}`, {
        field: "lmax",
      });
    }
    if (!(arch.layers >= 1))
      throw new EngineError("InvalidParameter", "layers must be ≥ 1", { field: "layers" });
    this.arch = arch;
    this.aggScale = arch.neighborNorm === "mean" ? 1 / arch.avgNeighbors : 1 / Math.sqrt(arch.avgNeighbors);
    this.nIds = 2 * (arch.lmax + 1);
    const C = arch.channels;
    let off = 0;
    const add = (name: string, size: number) => {
      this.layout.set(name, { off, size });
      off += size;
    };
    add("embed", arch.nSpecies * C);
    this.layerSpecs = [];
    let inIds = [0];
    for (let k = 0; k < arch.layers; k++) {
      const paths: ConvPath[] = [];
      const count = new Array<number>(this.nIds).fill(0);
      for (const id1 of inIds) {
        const l1 = irrepL(id1);
        for (let l2 = 0; l2 <= arch.lmax; l2++)
          for (let l3 = Math.abs(l1 - l2); l3 <= Math.min(l1 + l2, arch.lmax); l3++) {
            const odd = ((id1 & 1) ^ (l2 & 1)) === 1;
            const outId = irrepId(l3, odd);
            paths.push({ inId: id1, l1, l2, outId, l3, slot: count[outId]!, cg: realCG(l1, l2, l3) });
            count[outId]!++;
          }
      }
      const outIds = [...count.keys()].filter((id) => count[id]! > 0);
      const gatedIds = outIds.filter((id) => id > 1);
      const msgC = count.map((v) => v * C);
      const cout = count.map((_, id) => (id === 0 ? C + gatedIds.length * C : C));
      this.layerSpecs.push({ inIds, outIds, gatedIds, paths, msgC, cout });
      for (const id of inIds) add(`L${k}.lin1.${id}`, C * C);
      add(`L${k}.rad1`, arch.nBasis * arch.radialHidden);
      add(`L${k}.rad2`, arch.radialHidden * paths.length * C);
      for (const id of outIds) {
        add(`L${k}.post.${id}`, cout[id]! * msgC[id]!);
        if (inIds.includes(id)) add(`L${k}.sc.${id}`, arch.nSpecies * cout[id]! * C);
      }
      inIds = outIds;
    }
    const last = inIds;
    if (arch.head === "isd") {
      for (const lam of targetLambdas(arch.target)) {
        if (!last.includes(irrepId(lam, false))) {
          throw new EngineError(
            "InvalidParameter",
            `the last layer has no ${lam}e features: use more layers or a larger lmax (the ${lam}e output needs them)`,
            { field: "layers" },
          );
        }
        add(`head.${lam}`, arch.nSpecies * C);
      }
    } else {
      const l = arch.tpRank;
      if (!(l >= 1) || !last.includes(irrepId(l, l % 2 === 1))) {
        throw new EngineError(
          "InvalidParameter",
          `TP head: no ${irrepName(irrepId(l, l % 2 === 1))} features (rank ${l}, lmax ${arch.lmax})`,
          {
            field: "tpRank",
          },
        );
      }
      add("tp.A", arch.tpN * C);
      add("tp.B", arch.tpN * C);
      for (const lam of targetLambdas(arch.target)) add(`tp.w.${lam}`, arch.nSpecies * arch.tpN * arch.tpN);
    }
    this.nParams = off;
    this.ncomp = targetComponents(arch.target);
  }

  view(params: Float64Array, name: string): Float64Array {
    const s = this.layout.get(name);
    if (!s) throw new EngineError("Internal", `no parameter block ${name}`);
    return params.subarray(s.off, s.off + s.size);
  }

  // long: the hand-written forward pass layer by layer, mirrored step for step by backward; kept whole to read the two side by side
  forward(params: Float64Array, g: Graph): ForwardCache {
    const { arch } = this;
    const C = arch.channels;
    const n = g.n;
    const layers: LayerCache[] = [];
    let h: (Float64Array | null)[] = new Array(this.nIds).fill(null);
    const emb = this.view(params, "embed");
    const h0 = new Float64Array(n * C);
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) h0[i * C + c] = emb[g.types[i]! * C + c]!;
    h[0] = h0;
    const invC = 1 / Math.sqrt(C);
    for (let k = 0; k < arch.layers; k++) {
      const L = this.layerSpecs[k]!;
      const x1: (Float64Array | null)[] = new Array(this.nIds).fill(null);
      for (const id of L.inIds) {
        const d = 2 * irrepL(id) + 1;
        x1[id] = new Float64Array(n * C * d);
        linearForward(h[id]!, n, C, d, this.view(params, `L${k}.lin1.${id}`), C, invC, x1[id]!);
      }
      const P = L.paths.length;
      const a = new Float64Array(g.nEdges * arch.radialHidden);
      const r = new Float64Array(g.nEdges * P * C);
      radialForward(
        g.basis,
        g.nEdges,
        arch.nBasis,
        this.view(params, `L${k}.rad1`),
        arch.radialHidden,
        this.view(params, `L${k}.rad2`),
        P * C,
        a,
        r,
      );
      const msg: (Float64Array | null)[] = new Array(this.nIds).fill(null);
      for (const id of L.outIds) msg[id] = new Float64Array(n * L.msgC[id]! * (2 * irrepL(id) + 1));
      convForward(g, L.paths, C, x1, r, L.msgC, this.aggScale, msg);
      const z: (Float64Array | null)[] = new Array(this.nIds).fill(null);
      for (const id of L.outIds) {
        const d = 2 * irrepL(id) + 1;
        const co = L.cout[id]!;
        z[id] = new Float64Array(n * co * d);
        linearForward(
          msg[id]!,
          n,
          L.msgC[id]!,
          d,
          this.view(params, `L${k}.post.${id}`),
          co,
          1 / Math.sqrt(L.msgC[id]!),
          z[id]!,
        );
        if (L.inIds.includes(id)) {
          speciesLinearForward(
            h[id]!,
            g.types,
            n,
            C,
            d,
            this.view(params, `L${k}.sc.${id}`),
            co,
            invC,
            z[id]!,
          );
        }
      }
      const hn: (Float64Array | null)[] = new Array(this.nIds).fill(null);
      hn[0] = new Float64Array(n * C);
      if (z[1]) hn[1] = new Float64Array(n * C);
      const dims = L.gatedIds.map((id) => 2 * irrepL(id) + 1);
      for (const id of L.gatedIds) hn[id] = new Float64Array(n * C * (2 * irrepL(id) + 1));
      gateForward(
        n,
        C,
        z[0]!,
        hn[0]!,
        z[1],
        hn[1],
        L.gatedIds.map((id) => z[id]!),
        L.gatedIds.map((id) => hn[id]!),
        dims,
      );
      layers.push({ h, x1, a, r, msg, z });
      h = hn;
    }
    const out = new Float64Array(n * this.ncomp);
    let tpA: Float64Array | null = null;
    let tpB: Float64Array | null = null;
    if (arch.head === "isd") {
      let co = 0;
      for (const lam of targetLambdas(arch.target)) {
        const d = 2 * lam + 1;
        const w = this.view(params, `head.${lam}`);
        const hl = h[irrepId(lam, false)]!;
        for (let i = 0; i < n; i++) {
          const wb = g.types[i]! * C;
          for (let m = 0; m < d; m++) {
            let s = 0;
            for (let c = 0; c < C; c++) s += w[wb + c]! * hl[(i * C + c) * d + m]!;
            out[i * this.ncomp + co + m] = invC * s;
          }
        }
        co += d;
      }
    } else {
      const l = arch.tpRank;
      const d = 2 * l + 1;
      const N = arch.tpN;
      const hl = h[irrepId(l, l % 2 === 1)]!;
      tpA = new Float64Array(n * N * d);
      tpB = new Float64Array(n * N * d);
      linearForward(hl, n, C, d, this.view(params, "tp.A"), N, invC, tpA);
      linearForward(hl, n, C, d, this.view(params, "tp.B"), N, invC, tpB);
      let co = 0;
      for (const lam of targetLambdas(arch.target)) {
        tpForward(
          n,
          N,
          l,
          lam,
          realCG(l, l, lam),
          tpA,
          tpB,
          g.types,
          this.view(params, `tp.w.${lam}`),
          out,
          this.ncomp,
          co,
        );
        co += 2 * lam + 1;
      }
    }
    return { graph: g, layers, hLast: h, tpA, tpB, out };
  }

  // long: the reverse of forward step for step (see forward); kept whole to read the two side by side
  /** Accumulates d(loss)/d(params) into grad, given gout = d(loss)/d(out) (n × ncomp). */
  backward(params: Float64Array, cache: ForwardCache, gout: Float64Array, grad: Float64Array): void {
    const { arch } = this;
    const C = arch.channels;
    const g = cache.graph;
    const n = g.n;
    const invC = 1 / Math.sqrt(C);
    const gv = (name: string) => this.view(grad, name);
    let gh: (Float64Array | null)[] = cache.hLast.map((a) => (a ? new Float64Array(a.length) : null));
    const h = cache.hLast;
    if (arch.head === "isd") {
      let co = 0;
      for (const lam of targetLambdas(arch.target)) {
        const d = 2 * lam + 1;
        const id = irrepId(lam, false);
        const w = this.view(params, `head.${lam}`);
        const gw = gv(`head.${lam}`);
        const hl = h[id]!;
        const ghl = gh[id]!;
        for (let i = 0; i < n; i++) {
          const wb = g.types[i]! * C;
          for (let m = 0; m < d; m++) {
            const go = invC * gout[i * this.ncomp + co + m]!;
            if (go === 0) continue;
            for (let c = 0; c < C; c++) {
              gw[wb + c]! += go * hl[(i * C + c) * d + m]!;
              ghl[(i * C + c) * d + m]! += go * w[wb + c]!;
            }
          }
        }
        co += d;
      }
    } else {
      const l = arch.tpRank;
      const d = 2 * l + 1;
      const N = arch.tpN;
      const id = irrepId(l, l % 2 === 1);
      const gA = new Float64Array(n * N * d);
      const gB = new Float64Array(n * N * d);
      let co = 0;
      for (const lam of targetLambdas(arch.target)) {
        tpBackward(
          n,
          N,
          l,
          lam,
          realCG(l, l, lam),
          cache.tpA!,
          cache.tpB!,
          g.types,
          this.view(params, `tp.w.${lam}`),
          gout,
          this.ncomp,
          co,
          gA,
          gB,
          gv(`tp.w.${lam}`),
        );
        co += 2 * lam + 1;
      }
      linearBackward(h[id]!, n, C, d, this.view(params, "tp.A"), N, invC, gA, gh[id]!, gv("tp.A"));
      linearBackward(h[id]!, n, C, d, this.view(params, "tp.B"), N, invC, gB, gh[id]!, gv("tp.B"));
    }
    for (let k = arch.layers - 1; k >= 0; k--) {
      const L = this.layerSpecs[k]!;
      const lc = cache.layers[k]!;
      const gz: (Float64Array | null)[] = lc.z.map((a) => (a ? new Float64Array(a.length) : null));
      const dims = L.gatedIds.map((id) => 2 * irrepL(id) + 1);
      gateBackward(
        n,
        C,
        lc.z[0]!,
        gh[0]!,
        gz[0]!,
        lc.z[1],
        gh[1],
        gz[1],
        L.gatedIds.map((id) => lc.z[id]!),
        L.gatedIds.map((id) => gh[id]!),
        L.gatedIds.map((id) => gz[id]!),
        dims,
      );
      const ghIn: (Float64Array | null)[] = lc.h.map((a) => (a ? new Float64Array(a.length) : null));
      const gmsg: (Float64Array | null)[] = lc.msg.map((a) => (a ? new Float64Array(a.length) : null));
      for (const id of L.outIds) {
        const d = 2 * irrepL(id) + 1;
        const co = L.cout[id]!;
        linearBackward(
          lc.msg[id]!,
          n,
          L.msgC[id]!,
          d,
          this.view(params, `L${k}.post.${id}`),
          co,
          1 / Math.sqrt(L.msgC[id]!),
          gz[id]!,
          gmsg[id]!,
          gv(`L${k}.post.${id}`),
        );
        if (L.inIds.includes(id)) {
          speciesLinearBackward(
            lc.h[id]!,
            g.types,
            n,
            C,
            d,
            this.view(params, `L${k}.sc.${id}`),
            co,
            invC,
            gz[id]!,
            ghIn[id]!,
            gv(`L${k}.sc.${id}`),
          );
        }
      }
      const P = L.paths.length;
      const gx1: (Float64Array | null)[] = lc.x1.map((a) => (a ? new Float64Array(a.length) : null));
      const gr = new Float64Array(lc.r.length);
      convBackward(g, L.paths, C, lc.x1, lc.r, L.msgC, this.aggScale, gmsg, gx1, gr);
      radialBackward(
        g.basis,
        g.nEdges,
        arch.nBasis,
        this.view(params, `L${k}.rad1`),
        arch.radialHidden,
        this.view(params, `L${k}.rad2`),
        P * C,
        lc.a,
        gr,
        gv(`L${k}.rad1`),
        gv(`L${k}.rad2`),
      );
      for (const id of L.inIds) {
        const d = 2 * irrepL(id) + 1;
        linearBackward(
          lc.h[id]!,
          n,
          C,
          d,
          this.view(params, `L${k}.lin1.${id}`),
          C,
          invC,
          gx1[id]!,
          ghIn[id]!,
          gv(`L${k}.lin1.${id}`),
        );
      }
      gh = ghIn;
    }
    const gemb = gv("embed");
    const g0 = gh[0]!;
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) gemb[g.types[i]! * C + c]! += g0[i * C + c]!;
  }
}
