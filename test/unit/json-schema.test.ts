/**
 * Issue 17 item 9: every JSON document soapgpr writes for programs (each command's `--json`, report.json) is
 * valid against the one schema docs/schema/soapgpr.schema.json (conventions in docs/json.md): species as symbols,
 * camelCase keys, durations in `seconds` / `timings`. The commands run in-process on small shipped / shared data.
 *
 * A new command with `--json`: add its definition to the schema (and to the root `anyOf`), then one line to CASES.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonText } from "../../src/core/json.js";
import { runCli } from "../helpers/cli.js";
import { ROOT } from "../helpers/built.js";

const SCHEMA_FILE = path.join(ROOT, "docs", "schema", "soapgpr.schema.json");
const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as {
  anyOf: { $ref: string }[];
  definitions: Record<string, unknown>;
};
const SHARED = path.join(ROOT, "..", "shared", "data");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-schema-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Lines [a, b) of a text file as a new file in the temporary directory. */
function slice(src: string, a: number, b: number, name: string): void {
  fs.writeFileSync(
    path.join(dir, name),
    `${fs.readFileSync(src, "utf8").split("\n").slice(a, b).join("\n")}\n`,
  );
}

/**
 * One JSON document: the command line (one string, split at spaces; `@/` = the temporary directory, `$/` =
 * ../shared/data) and its schema definition, or a file an earlier command wrote (report.json).
 */
interface Case {
  readonly schema: string;
  readonly args?: string;
  readonly file?: string;
}

const TI = "--target efg --species Ti --nmax 4 --lmax 3";
// Ordered: later cases read the models and files earlier ones write.
const CASES: readonly Case[] = [
  { schema: "fit", args: `fit --data @/tr.xyz ${TI} --lambda 2 --out @/ti.model` },
  { schema: "fit", args: `fit --data @/tr.xyz ${TI} --out @/tit.model` },
  {
    schema: "fit",
    args: "fit --data @/tr.xyz --target efg:cq --species Ti --lambda 0 --sparse 10 --out @/s.model",
  },
  {
    schema: "fit",
    args: "fit --model gnn-isd --lambda 2 --data @/tr.xyz --target efg --species Ti --epochs 1 --out @/g.model",
  },
  {
    schema: "fit",
    args: "fit --data @/lto10.xyz --target efg --species Li --lambda 2 --nmax 3 --lmax 2 --out @/li.model",
  },
  { schema: "search", args: `search --lambda 2 --data @/tr.xyz ${TI} --folds 2 --out @/search.model` },
  { schema: "predict", args: "predict --model @/ti.model --data @/te.xyz --out @/p.csv" },
  {
    schema: "predict",
    args: "predict --model @/ti.model --data @/te.xyz --out @/p.json --observables cq,eta",
  },
  { schema: "predictions", file: "@/p.json" },
  { schema: "evaluate", args: "evaluate --model @/ti.model --data @/te.xyz" },
  { schema: "evaluate", args: "evaluate --model @/tit.model --data @/te.xyz" },
  { schema: "evaluate", args: "evaluate --model @/s.model --data @/te.xyz" },
  { schema: "nmr", args: "nmr $/magres/gehlenite/low/T1Si0a.magres.gz" },
  { schema: "nmr", args: "nmr $/magres/venetos_si_ms/si_nmr_data.json.gz --reference 316" },
  { schema: "kernel", args: "kernel --lambda 2 --a @/te.xyz --centers Ti --nmax 3 --lmax 2" },
  { schema: "spectrum", args: "spectrum @/te.xyz --species Ti --field 9.4 --mode mas --from -20 --to 40" },
  { schema: "datasetLto", args: "dataset lto --structures 2 --seed 0 --out @/d.extxyz" },
  { schema: "datasetLtoLarge", args: "dataset lto-large --cells 1 --seed 0 --out @/dl.extxyz" },
  { schema: "benchWqLarge", args: "bench wq-large --model @/li.model --data @/dl.extxyz" },
  { schema: "benchEfg", args: "bench lto --quick --data @/lto30.xyz --species Li" },
  {
    schema: "benchEfg",
    args: "bench gehlenite --protocol harper --quick --species Al --data $/magres/gehlenite",
  },
  { schema: "benchGehleniteTuned", args: "bench gehlenite --quick --species Al --data $/magres/gehlenite" },
  {
    schema: "benchVenetos",
    args: "bench venetos --quick --data $/magres/venetos_si_ms/si_nmr_data.json.gz --report @/ven",
  },
  { schema: "report", file: "@/ven/report.json" },
];

/** A case's text with its placeholders resolved. */
const resolve = (s: string) => s.replaceAll("@/", `${dir}/`).replaceAll("$/", `${SHARED}/`);

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addSchema(schema, "soapgpr");
const validator = (name: string) => {
  const v = ajv.getSchema(`soapgpr#/definitions/${name}`);
  if (!v) throw new Error(`no definition ${name} in ${SCHEMA_FILE}`);
  return v;
};

beforeAll(() => {
  // 16-atom TiO2-like frames of the TENSOAP reference set (18 lines each) and the shipped LTO cells (44 lines each)
  const bench = path.join(SHARED, "tensoap-ref", "structures", "bench.xyz");
  slice(bench, 0, 10 * 18, "tr.xyz");
  slice(bench, 10 * 18, 15 * 18, "te.xyz");
  const lto = path.join(ROOT, "datasets", "lto-pointcharge-small.extxyz");
  slice(lto, 0, 10 * 44, "lto10.xyz");
  slice(lto, 0, 30 * 44, "lto30.xyz");
});

describe("every --json output is valid against docs/schema/soapgpr.schema.json", () => {
  for (const [i, c] of CASES.entries()) {
    it(`${i}: ${c.schema}`, async () => {
      let doc: unknown;
      if (c.file) doc = JSON.parse(fs.readFileSync(resolve(c.file), "utf8"));
      else {
        const r = await runCli([...resolve(c.args ?? "").split(" "), "--json"]);
        expect(r.code, r.stderr).toBe(0);
        doc = JSON.parse(r.stdout);
      }
      const validate = validator(c.schema);
      const ok = validate(doc);
      expect(ok, ajv.errorsText(validate.errors, { separator: "\n" })).toBe(true);
      // and the root schema (one of the document kinds) accepts it too
      expect(ajv.validate("soapgpr", doc)).toBe(true);
    }, 180_000);
  }
});

describe("the schema itself", () => {
  it("has one case per document kind, and every kind in its root anyOf", () => {
    const kinds = schema.anyOf.map((r) => r.$ref.replace("#/definitions/", "")).sort();
    expect([...new Set(CASES.map((c) => c.schema))].sort()).toEqual(kinds);
  });

  it("names every field in camelCase (keys that are data — species, λ, stages — are maps, not properties)", () => {
    const bad: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) {
        for (const [i, n] of node.entries()) walk(n, `${where}[${i}]`);
      } else if (node !== null && typeof node === "object") {
        const props = (node as { properties?: Record<string, unknown> }).properties;
        if (props)
          for (const k of Object.keys(props)) if (!/^[a-z][A-Za-z0-9]*$/.test(k)) bad.push(`${where}.${k}`);
        for (const [k, v] of Object.entries(node)) walk(v, `${where}/${k}`);
      }
    };
    walk(schema, "#");
    expect(bad).toEqual([]);
  });

  it("rejects what the conventions forbid: an atomic number as species, a display label as key", () => {
    const predict = validator("predict");
    const good = { files: ["p.csv"], atoms: 1, species: "Li", lambda: 2, seconds: 0.1, notes: [] };
    expect(predict(good)).toBe(true);
    expect(predict({ ...good, species: 3 })).toBe(false);
    expect(validator("benchVenetos")({ "total time / s": 1 })).toBe(false);
  });
});

describe("jsonText, the one writer of JSON documents", () => {
  it("names species by symbol, writes non-finite numbers as null and typed arrays as arrays", () => {
    const doc = {
      element: "Al",
      species: 13,
      centreSpecies: [3, 22],
      nSpecies: 2,
      harper: { element: "Li", r: Number.NaN, mae: Number.POSITIVE_INFINITY },
      values: Float64Array.of(1.5, Number.NaN),
      skipped: undefined,
    };
    expect(JSON.parse(jsonText(doc))).toEqual({
      species: "Al",
      centreSpecies: ["Li", "Ti"],
      nSpecies: 2,
      harper: { species: "Li", r: null, mae: null },
      values: [1.5, null],
    });
    // one line without indent, whole and newline-terminated either way
    expect(jsonText({ a: 1 })).toBe('{"a":1}\n');
    expect(jsonText({ a: 1 }, 1)).toBe('{\n "a": 1\n}\n');
  });
});
