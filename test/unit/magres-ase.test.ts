/**
 * Issue 17 item 1: the .magres files `predict` writes are read by ASE's magres reader (and so by Soprano and
 * MagresView, which read through it): every atom in [atoms], a tensor for every atom (zero for atoms the model does
 * not predict), the input's own atom numbering, one file per structure (`_<k>`). ASE is the independent reader.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Structure } from "../../src/core/structure.js";
import { readStructures } from "../../src/io/read.js";
import { writePredictions } from "../../src/model/outputs.js";
import type { Prediction } from "../../src/model/types.js";
import { asePython, runPython } from "../helpers/python.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const LTO = path.resolve(here, "../../datasets/lto-pointcharge-small.extxyz");
const UREA = path.resolve(here, "../../../shared/data/magres/qe-gipaw/urea_urea.nmr.magres");
const python = asePython();

const READ = `
import sys, json
from ase.io import read
out = []
for f in sys.argv[2:]:
    a = read(f, format='magres')
    out.append({'symbols': a.get_chemical_symbols(), 'positions': a.positions.tolist(),
                'cell': a.cell.array.tolist(), 'labels': a.get_array('labels').tolist(),
                'indices': a.get_array('indices').tolist(), 'units': a.info['magres_units'],
                'tensor': a.get_array(sys.argv[1]).reshape(len(a), 9).tolist()})
print(json.dumps(out))
`;

interface AseMagres {
  symbols: string[];
  positions: number[][];
  cell: number[][];
  labels: string[];
  indices: number[];
  units: Record<string, string>;
  tensor: number[][];
}

/** A prediction for every atom of species z: an arbitrary non-symmetric tensor per atom (row-major 9). */
function fakePrediction(structures: readonly Structure[], z: number): Prediction {
  const atoms: number[] = [];
  structures.forEach((s, si) => {
    s.numbers.forEach((n, a) => {
      if (n === z) atoms.push(si, a);
    });
  });
  const n = atoms.length / 2;
  const cartesian = Float64Array.from({ length: 9 * n }, (_, k) => Math.sin(1.7 * k + 0.3) * 0.05);
  return {
    species: z,
    lambda: 2,
    atoms: Int32Array.from(atoms),
    components: 5,
    mean: new Float64Array(5 * n),
    cartesian,
    notes: [],
  };
}

/** Compare what ASE read with the structure we wrote and the tensors we predicted (zero for the others). */
function checkAgainst(back: AseMagres, s: Structure, pred: Prediction, si: number): void {
  expect(back.symbols).toEqual(s.symbols());
  for (let i = 0; i < s.length; i++)
    for (let k = 0; k < 3; k++)
      // positions go through String(x) and Python's float: exact round trip
      expect(back.positions[i]![k]).toBe(s.positions[3 * i + k]);
  const want = new Float64Array(9 * s.length);
  for (let k = 0; k < pred.atoms.length / 2; k++)
    if (pred.atoms[2 * k] === si)
      want.set(pred.cartesian!.subarray(9 * k, 9 * k + 9), 9 * pred.atoms[2 * k + 1]!);
  expect(back.tensor.length).toBe(s.length);
  back.tensor.forEach((row, i) => {
    row.forEach((x, k) => {
      expect(x).toBe(want[9 * i + k]);
    });
  });
}

describe.skipIf(python === null)("item 1: ASE reads predict's .magres", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-magres-ase-"));

  it("two LTO cells: one file each, every atom, Li tensors as predicted and zero for Ti and O", () => {
    const { structures: all, sources } = readStructures([LTO]);
    const structures = all.slice(0, 2);
    const pred = fakePrediction(structures, 3);
    const file = path.join(dir, "pred.magres");
    const files = writePredictions(file, structures, pred, {
      target: "efg",
      header: { model: "gpr", units: "au" },
      sources: sources.slice(0, 2),
    });
    expect(files).toEqual([path.join(dir, "pred_0.magres"), path.join(dir, "pred_1.magres")]);
    const back = runPython(python!, READ, ["efg", ...files]) as AseMagres[];
    expect(back).toHaveLength(2);
    back.forEach((b, si) => {
      checkAgainst(b, structures[si]!, pred, si);
      expect(b.units.efg).toBe("au");
      // the cell as written (ASE's magres reader takes the lattice rows as cell vectors)
      expect(b.cell.flat()).toEqual(Array.from(structures[si]!.cell!));
    });
    const text = fs.readFileSync(files[1]!, "utf8");
    expect(text).toContain(`structure 1 of 2 (${sources[1]})`);
    expect(text).toMatch(/predicted for the \d+ Li atoms of 42; the other atoms carry a zero tensor/);
  });

  it("QE-GIPAW input (global atom numbering) keeps its numbering and ASE reads it back", () => {
    const { structures } = readStructures([UREA]);
    const pred = fakePrediction(structures, 7);
    const file = path.join(dir, "urea.magres");
    writePredictions(file, structures, pred, { target: "ms", header: { model: "gpr" } });
    const [back] = runPython(python!, READ, ["ms", file]) as AseMagres[];
    checkAgainst(back!, structures[0]!, pred, 0);
    expect(back!.units.ms).toBe("ppm");
    expect(back!.indices).toEqual(Array.from(structures[0]!.arrays.get("magres_index")!.data as Int32Array));
  });
});
