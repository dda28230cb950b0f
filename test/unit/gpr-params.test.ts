/**
 * Issue 12 item 6, typed parameters end to end: the library validates the string unions (backend, sparse
 * selection, variance approximation) for every caller, the descriptor is a discriminated union whose JSON form
 * (model files) round-trips, and the CLI reports library errors with its flags.
 */
import { describe, expect, it } from "vitest";
import { soapHypersFromCli } from "../../cli/options.js";
import { type BackendName, parseBackendName } from "../../src/backend/index.js";
import { EngineError } from "../../src/core/errors.js";
import {
  type DescriptorSpec,
  descriptorFromJson,
  descriptorToJson,
  resolveDescriptor,
} from "../../src/gpr/descriptors.js";
import { GprModel } from "../../src/gpr/gpr.js";
import { decodeModel, encodeModel } from "../../src/model/modelfile.js";
import { GPR_DEFAULTS, type GprParams, type SparseSelection } from "../../src/gpr/params.js";
import type { SparseApproximation } from "../../src/gpr/regression.js";
import { DEFAULT_SOAP_HYPERS, parseSoapHypers, TENSOAP_PRESET } from "../../src/soap/hypers.js";
import { FIXTURE_HYPERS, fixtureData } from "../fixtures/models/make-models.js";
import { runMain } from "../helpers/cli.js";

const base: GprParams = { species: 3, lambda: 0, target: "q" };

/** The EngineError `f` throws (fails the test if it throws nothing or something else). */
function engineError(f: () => unknown): EngineError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error("no error");
}

describe("the library validates the parameter unions", () => {
  // values from untyped callers (JSON, JavaScript): the types forbid them, the library must refuse them
  const bogus = "bogus" as SparseSelection & SparseApproximation & BackendName;

  it("an unknown sparse selection is InvalidParameter, not a silent FPS", () => {
    const e = engineError(() => new GprModel({ ...base, sparse: { m: 4, selection: bogus } }));
    expect(e.code).toBe("InvalidParameter");
    expect(e.field).toBe("sparse.selection");
    expect(e.message).toMatch(/unknown selection 'bogus' \(available: fps, cur\)/);
  });

  it("an unknown variance approximation is InvalidParameter", () => {
    const e = engineError(() => new GprModel({ ...base, sparse: { m: 4, approximation: bogus } }));
    expect(e.field).toBe("sparse.approximation");
    expect(e.message).toMatch(/unknown approximation 'bogus' \(available: dtc, sor\)/);
  });

  it("an unknown backend is InvalidParameter at construction and at prediction", async () => {
    const e = engineError(() => new GprModel({ ...base, backend: bogus }));
    expect(e.field).toBe("backend");
    expect(e.message).toMatch(/unknown backend 'bogus' \(available: cpu, auto, gpu, gpujs\)/);
    expect(() => parseBackendName(42)).toThrow(/unknown backend 42/);
    const m = new GprModel({
      ...base,
      descriptor: { kind: "lambda-soap", hypers: FIXTURE_HYPERS },
      reg: 1e-4,
    });
    const data = fixtureData();
    await m.fit(data);
    await expect(m.predict(data.structures, { backend: bogus })).rejects.toThrow(/unknown backend 'bogus'/);
  });

  it("an unknown descriptor kind or bad array prefix is InvalidParameter", () => {
    const kind = { kind: "soap" } as unknown as DescriptorSpec;
    expect(engineError(() => new GprModel({ ...base, descriptor: kind })).field).toBe("descriptor");
    const prefix = engineError(
      () => new GprModel({ ...base, descriptor: { kind: "arrays", hypers: { prefix: "" } } }),
    );
    expect(prefix.field).toBe("hypers.prefix");
  });

  it("sparse M and seed are checked with the sparse fields", () => {
    expect(engineError(() => new GprModel({ ...base, sparse: { m: 0 } })).field).toBe("sparse.m");
    expect(engineError(() => new GprModel({ ...base, sparse: { m: 3, seed: -1 } })).field).toBe(
      "sparse.seed",
    );
  });

  it("defaults come from GPR_DEFAULTS", () => {
    const p = new GprModel({ ...base, sparse: { m: 3 } }).params;
    expect([p.zeta, p.reg, p.backend]).toEqual([GPR_DEFAULTS.zeta, GPR_DEFAULTS.reg, GPR_DEFAULTS.backend]);
    expect(p.sparse).toEqual({
      m: 3,
      selection: GPR_DEFAULTS.selection,
      approximation: GPR_DEFAULTS.approximation,
      seed: GPR_DEFAULTS.seed,
    });
    expect(p.descriptor).toEqual({ kind: "lambda-soap", hypers: DEFAULT_SOAP_HYPERS });
  });
});

describe("typed hypers round trip", () => {
  it("descriptor spec → model-file JSON → spec is the identity (both kinds)", () => {
    const specs: DescriptorSpec[] = [
      { kind: "lambda-soap", hypers: { ...TENSOAP_PRESET, species: [3, 8] } },
      resolveDescriptor({
        kind: "lambda-soap",
        hypers: { cutoff: { smoothing: { type: "ShiftedCosine", width: 1 } } },
      }),
      resolveDescriptor({ kind: "arrays", hypers: { prefix: "x" } }),
    ];
    for (const d of specs) {
      const json = JSON.parse(JSON.stringify(descriptorToJson(d)));
      expect(json.name).toBe(d.kind);
      expect(descriptorFromJson(json)).toEqual(d);
    }
    expect(() => descriptorFromJson({ name: "lambda-soap", hypers: { cutoff: { radius: -1 } } })).toThrow(
      /\$\.cutoff\.radius/,
    );
    expect(() => descriptorFromJson({ name: "lambda-soap" })).toThrow(EngineError);
  });

  it("CLI hypers type-check as fit parameters, and a saved model gives them back typed (species fixed at fit)", async () => {
    const hypers = soapHypersFromCli({ preset: "tensoap", rcut: "3", sigma: "0.5", nmax: "2", lmax: "2" });
    expect(hypers).toEqual(
      parseSoapHypers(
        { cutoff: { radius: 3 }, density: { width: 0.5 }, basis: { maxRadial: 2, maxAngular: 2 } },
        TENSOAP_PRESET,
      ),
    );
    const model = new GprModel({ ...base, reg: 1e-4, descriptor: { kind: "lambda-soap", hypers } });
    const data = fixtureData();
    await model.fit(data);
    const loaded = GprModel.fromPayload(decodeModel(encodeModel(model.serialize()), "mem").payload, "mem");
    expect(loaded.params.descriptor).toEqual({ kind: "lambda-soap", hypers: { ...hypers, species: [3, 8] } });
    const [a, b] = [await model.predict(data.structures), await loaded.predict(data.structures)];
    expect(b.mean).toEqual(a.mean); // the same arrays and arithmetic: bitwise
  });
});

describe("the CLI names its flags in library errors", () => {
  const fit =
    "fit --lambda 0 --target q --species Li --data nowhere.xyz --out /tmp/soapgpr-never-written.model".split(
      " ",
    );
  const cases: [string[], RegExp][] = [
    [
      ["--sparse", "4", "--selection", "bogus"],
      /field '--selection': unknown selection 'bogus' \(available: fps, cur\)/,
    ],
    [["--sparse", "4", "--approximation", "x"], /field '--approximation': unknown approximation 'x'/],
    [["--backend", "tpu"], /field '--backend': unknown backend 'tpu'/],
    [["--nmax", "0"], /field '--nmax': \$\.basis\.maxRadial: expected an integer 1\.\.30/],
  ];
  for (const [args, re] of cases) {
    it(`fit ${args.join(" ")}`, async () => {
      const r = await runMain([...fit, ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(re);
    });
  }

  it("fit --help shows the reg and ζ defaults of GPR_DEFAULTS", async () => {
    const r = await runMain(["fit", "--help"]);
    expect(r.stdout.toString()).toContain(`(default: "${GPR_DEFAULTS.reg.toExponential()}")`);
    expect(r.stdout.toString()).toContain(`(default: "${GPR_DEFAULTS.zeta}")`);
  });
});
