/**
 * GNN benchmark (prints numbers; not a test).
 * Run: `npx tsx bench/gnn.ts [--quick] [--epochs N] [--only bench|lto|workers|sio2] [--layers L]` (lmax-4 models train ~6× slower).
 * 1. bench.xyz (100 rocksalt-derived 16-atom cells, cutoff point-charge EFG): ISD and TP heads, 80/20 split; the TP
 *    head with rank-2 factors (lmax 2) and with rank-4 factors (lmax 4, the paper's best), next to ISD at lmax 4.
 *    Rocksalt sites are near-O_h, where every l = 1, 2, 3 equivariant feature vanishes: a product of two rank-2
 *    factors is then O(ε²) in a distortion ε while the EFG is O(ε); rank-4 factors have a non-zero cubic part.
 * 2. Point-charge LTO database (src/datasets/lto.ts, 42-atom cells, Ewald EFG): ISD and TP heads (as in 1), and
 *    λ=2 GPR for Li on the same split when src/gpr is usable.
 * 3. a-SiO2-like random 144-atom cells (density 2.2 g/cm³): time per epoch only.
 * 2b. worker_threads: time per epoch with 0 and 2 workers on 48 LTO cells.
 * Accuracy: per element %RMSE of the T2 components (100·RMSE/std(ref)) and Harper's C̃Q / η̃ MAE (src/metrics).
 */
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Dataset } from "../src/core/dataset.js";
import { Rng } from "../src/core/rng.js";
import { Structure } from "../src/core/structure.js";
import { generateLto } from "../src/datasets/lto.js";
import { createGnnModel, type GnnHypers, type GnnKind } from "../src/gnn/model.js";
import type { Model } from "../src/model/types.js";
import { readExtxyz } from "../src/io/extxyz.js";
import { efgMetrics } from "../src/metrics/efg.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const epochArg = args.indexOf("--epochs");
const EPOCHS = epochArg >= 0 ? Number(args[epochArg + 1]) : quick ? 4 : 30;
const layersArg = args.indexOf("--layers");
const LAYERS = layersArg >= 0 ? Number(args[layersArg + 1]) : 2;
const onlyArg = args.indexOf("--only");
const ONLY = onlyArg >= 0 ? args[onlyArg + 1] : undefined;
const section = (name: string): boolean => ONLY === undefined || ONLY === name;

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** Per-element accuracy of a model's Cartesian EFG predictions on `test` (all atoms predicted by the model). */
async function evaluate(model: Model, test: Dataset): Promise<string[]> {
  const pred = await model.predict(test.structures);
  const t = test.target("efg");
  const nAt = pred.atoms.length / 2;
  const ref = new Float64Array(9 * nAt);
  const species = new Int32Array(nAt);
  for (let a = 0; a < nAt; a++) {
    const si = pred.atoms[2 * a]!;
    const i = pred.atoms[2 * a + 1]!;
    species[a] = test.structures[si]!.numbers[i]!;
    for (let k = 0; k < 9; k++) ref[9 * a + k] = t.values[si]![9 * i + k]!;
  }
  const m = efgMetrics(ref, pred.cartesian!, species);
  return Object.values(m).map(
    (s) =>
      `    ${pad(s.element, 3)} n=${pad(String(s.n), 5)} T2 %RMSE ${s.t2.percentRmse.toFixed(1).padStart(6)}  C̃Q MAE ${s.cqTilde.mae.toFixed(3)} (r ${s.cqTilde.r.toFixed(3)})  η̃ MAE ${s.etaTilde.mae.toFixed(3)}  q̃ ${s.q.mean.toFixed(3)}`,
  );
}

async function runGnn(
  label: string,
  kind: GnnKind,
  hypers: Partial<GnnHypers>,
  train: Dataset,
  test: Dataset,
): Promise<void> {
  const model = createGnnModel(kind, hypers, { name: "efg", lambda: 2 });
  const t0 = performance.now();
  const rep = await model.fit(train);
  const hist = rep.history as { seconds: number }[];
  const perEpoch = hist.reduce((s, h) => s + h.seconds, 0) / hist.length;
  console.log(
    `  ${label} ${kind}: ${hist.length} epochs, ${perEpoch.toFixed(2)} s/epoch (${train.length} structures incl. validation), total ${((performance.now() - t0) / 1000).toFixed(1)} s; ${rep.notes[0]}`,
  );
  for (const line of await evaluate(model, test)) console.log(line);
}

/** Random SiO2-like periodic cell: 48 Si + 96 O in a cube at 2.2 g/cm³, minimum distances by rejection. */
function randomSiO2(seed: number): Structure {
  const rng = new Rng(seed);
  const mass = 48 * (28.0855 + 2 * 15.999) * 1.66053907e-24; // g
  const L = Math.cbrt(mass / 2.2) * 1e8; // Å
  const numbers: number[] = [];
  const pos: number[] = [];
  const dmin = (a: number, b: number) => (a === 14 && b === 14 ? 2.8 : a === 8 && b === 8 ? 2.3 : 1.5);
  for (const [z, count] of [
    [14, 48],
    [8, 96],
  ] as const) {
    for (let k = 0; k < count; k++) {
      for (let tries = 0; ; tries++) {
        const p = [rng.uniform() * L, rng.uniform() * L, rng.uniform() * L];
        let ok = true;
        for (let j = 0; j < numbers.length && ok; j++) {
          let d2 = 0;
          for (let c = 0; c < 3; c++) {
            let d = p[c]! - pos[3 * j + c]!;
            d -= L * Math.round(d / L);
            d2 += d * d;
          }
          if (d2 < dmin(z, numbers[j]!) ** 2 * (tries > 2000 ? 0.8 : 1)) ok = false;
        }
        if (ok) {
          numbers.push(z);
          pos.push(...p);
          break;
        }
      }
    }
  }
  // A smooth synthetic tensor target (cutoff point-charge field gradient, q(Si)=+4, q(O)=−2, rc 5 Å), for timing.
  const n = numbers.length;
  const efg = new Float64Array(9 * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      for (let a = -1; a <= 1; a++)
        for (let b = -1; b <= 1; b++)
          for (let c = -1; c <= 1; c++) {
            if (i === j && a === 0 && b === 0 && c === 0) continue;
            const r = [
              pos[3 * j]! - pos[3 * i]! + a * L,
              pos[3 * j + 1]! - pos[3 * i + 1]! + b * L,
              pos[3 * j + 2]! - pos[3 * i + 2]! + c * L,
            ];
            const d = Math.hypot(r[0]!, r[1]!, r[2]!);
            if (d >= 5) continue;
            const q = (numbers[j] === 14 ? 4 : -2) * 0.5 * (1 + Math.cos((Math.PI * d) / 5));
            for (let x = 0; x < 3; x++)
              for (let y = 0; y < 3; y++)
                efg[9 * i + 3 * x + y]! += (q * (3 * r[x]! * r[y]! - (x === y ? d * d : 0))) / d ** 5;
          }
  return new Structure({
    numbers,
    positions: pos,
    cell: [L, 0, 0, 0, L, 0, 0, 0, L],
    arrays: { efg: { ncols: 9, data: efg } },
  });
}

async function main(): Promise<void> {
  console.log(`GNN benchmark (${quick ? "quick" : "full"}; ${EPOCHS} epochs max; node ${process.version})`);
  const base: Partial<GnnHypers> = {
    layers: LAYERS,
    channels: 8,
    lmax: 2,
    epochs: EPOCHS,
    lr: 0.02,
    seed: 1,
    patience: 15,
  };

  // 1. bench.xyz
  if (section("bench")) {
    const file = fileURLToPath(
      new URL("../../shared/data/tensoap-ref/structures/bench.xyz", import.meta.url),
    );
    const ds = Dataset.fromArrays(readExtxyz(file), ["efg"]);
    const [train, test] = ds.split(0.8, 1);
    console.log(`\n[bench.xyz] ${train.length} train / ${test.length} test structures of 16 atoms, rc 4 Å`);
    await runGnn("bench.xyz", "gnn-isd", { ...base, cutoff: { radius: 4 } }, train, test);
    await runGnn("bench.xyz", "gnn-tp", { ...base, cutoff: { radius: 4 }, tpRank: 2, tpN: 4 }, train, test);
    await runGnn("bench.xyz lmax 4", "gnn-isd", { ...base, cutoff: { radius: 4 }, lmax: 4 }, train, test);
    await runGnn(
      "bench.xyz lmax 4 rank 4",
      "gnn-tp",
      { ...base, cutoff: { radius: 4 }, lmax: 4, tpRank: 4, tpN: 4 },
      train,
      test,
    );
  }

  // 2. point-charge LTO
  if (section("lto")) {
    const nStruct = quick ? 40 : 150;
    const t0 = performance.now();
    const { structures } = generateLto({ structures: nStruct, seed: 7 });
    const ds = Dataset.fromArrays(structures, ["efg"]);
    const [train, test] = ds.split(0.8, 2);
    console.log(
      `\n[LTO point-charge] ${train.length} train / ${test.length} test 42-atom cells (generated in ${((performance.now() - t0) / 1000).toFixed(1)} s), rc 5 Å`,
    );
    await runGnn("LTO", "gnn-isd", { ...base, cutoff: { radius: 5 } }, train, test);
    await runGnn("LTO", "gnn-tp", { ...base, cutoff: { radius: 5 }, tpRank: 2, tpN: 4 }, train, test);
    await runGnn("LTO lmax 4", "gnn-isd", { ...base, cutoff: { radius: 5 }, lmax: 4 }, train, test);
    await runGnn(
      "LTO lmax 4 rank 4",
      "gnn-tp",
      { ...base, cutoff: { radius: 5 }, lmax: 4, tpRank: 4, tpN: 4 },
      train,
      test,
    );
    try {
      const { GprModel } = await import("../src/gpr/gpr.js");
      const gpr = new GprModel({ species: 3, lambda: 2, target: "efg" });
      const tg = performance.now();
      await gpr.fit(train);
      console.log(
        `  LTO λ=2 GPR (Li, default λ-SOAP hypers): fit ${((performance.now() - tg) / 1000).toFixed(1)} s`,
      );
      for (const line of await evaluate(gpr, test)) console.log(line);
    } catch (e) {
      console.log(`  LTO λ=2 GPR: not run (${(e as Error).message})`);
    }
  }

  // 2b. worker_threads over the structures of a batch (same model and data; only the split of the work differs)
  if (section("workers")) {
    const ds = Dataset.fromArrays(generateLto({ structures: quick ? 16 : 48, seed: 3 }).structures, ["efg"]);
    const line: string[] = [];
    for (const workers of [0, 2]) {
      const m = createGnnModel(
        "gnn-isd",
        { layers: 2, epochs: 3, workers, batchSize: 8, rc: 5, seed: 1, valFraction: 0 },
        { name: "efg", lambda: 2 },
      );
      const rep = await m.fit(ds);
      const hist = rep.history as { seconds: number }[];
      const perEpoch = hist.slice(1).reduce((a, h) => a + h.seconds, 0) / Math.max(1, hist.length - 1);
      line.push(`workers ${workers}: ${perEpoch.toFixed(2)} s/epoch (${rep.notes[2]})`);
    }
    console.log(`\n[worker_threads, ${ds.length} LTO cells, batch 8] ${line.join("; ")}`);
  }

  // 3. a-SiO2-like 144-atom cells: timing
  if (section("sio2")) {
    const nCells = quick ? 4 : 20;
    const cells = Array.from({ length: nCells }, (_, k) => randomSiO2(100 + k));
    const ds = Dataset.fromArrays(cells, ["efg"]);
    for (const [layers, channels] of [
      [2, 8],
      [2, 16],
    ] as const) {
      const model = createGnnModel(
        "gnn-isd",
        { layers, channels, lmax: 2, rc: 5, epochs: quick ? 1 : 2, valFraction: 0, seed: 1 },
        { name: "efg", lambda: 2 },
      );
      const rep = await model.fit(ds);
      const hist = rep.history as { seconds: number }[];
      const perEpoch = hist.reduce((s, h) => s + h.seconds, 0) / hist.length;
      console.log(
        `\n[a-SiO2-like 144-atom cells] ISD layers ${layers}, channels ${channels}, lmax 2, rc 5 Å: ${perEpoch.toFixed(2)} s/epoch for ${nCells} cells = ${((1000 * perEpoch) / nCells).toFixed(0)} ms per cell (forward+backward); ${rep.notes[1]}`,
      );
    }
  }
}

await main();
