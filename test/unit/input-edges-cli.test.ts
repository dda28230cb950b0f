/**
 * Input edges through the CLI (issue 11): `fit --data DIR` descends into sub-folders (item 16); predict and
 * evaluate name file and frame of an unknown species, and say "no Ti atoms in FILE" (exit 1, nothing
 * written) for data without the model's species (item 14); `-` reads standard input (item 13).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { register as registerEvaluate } from "../../cli/commands/evaluate.js";
import { register as registerFit } from "../../cli/commands/fit.js";
import { register as registerPredict } from "../../cli/commands/predict.js";
import { ExitCode } from "../../cli/main.js";
import { EngineError } from "../../src/core/errors.js";
import { runCommand } from "../helpers/cli.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const bench = path.resolve(repo, "../shared/data/tensoap-ref/structures/bench.xyz");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-edges-cli-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Frames [a, b) of bench.xyz (16 atoms of Li, O, Ti each: 18 lines per frame), optionally edited. */
function frames(a: number, b: number, edit: (line: string, i: number) => string = (l) => l): string {
  const lines = fs
    .readFileSync(bench, "utf8")
    .split("\n")
    .slice(a * 18, b * 18);
  return `${lines.map(edit).join("\n")}\n`;
}

function write(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

async function failure(register: Parameters<typeof runCommand>[0], args: string[]): Promise<unknown> {
  try {
    await runCommand(register, args);
  } catch (e) {
    return e;
  }
  throw new Error("expected the command to fail");
}

/** Run the CLI from source in a child process with `input` on its standard input. */
function runWithStdin(
  args: string[],
  input: string | Buffer,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      'const { run } = await import("./cli/main.ts"); process.exitCode = await run(process.argv.slice(1));',
      ...args,
    ],
    { cwd: repo, input, encoding: "utf8", timeout: 30_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("fit / predict / evaluate input edges", () => {
  const model = path.join(tmp, "ti.model");
  const small = ["--preset", "tensoap", "--nmax", "3", "--lmax", "2", "--reg", "1e-6"];

  it("fit --data DIR finds the training file in a sub-folder", async () => {
    const dir = path.join(tmp, "train");
    write("train/set-a/part.xyz", frames(0, 6));
    const { stdout } = await runCommand(registerFit, [
      "fit",
      ...["--lambda", "2", "--data", dir, "--target", "efg", "--species", "Ti", ...small],
      ...["--out", model, "--json"],
    ]);
    const nTi = frames(0, 6)
      .split("\n")
      .filter((l) => l.startsWith("Ti ")).length;
    expect(JSON.parse(stdout).nTrain).toBe(nTi);
    expect(fs.existsSync(model)).toBe(true);
  });

  it("predict and evaluate name file and frame of a species the model has not seen", async () => {
    // frame 1 of the file: its last atom (an O) becomes F
    const data = write(
      "fluorine.xyz",
      frames(40, 42, (l, i) => (i === 35 ? l.replace(/^O /, "F ") : l)),
    );
    expect(fs.readFileSync(data, "utf8")).toMatch(/\nF /);
    for (const [register, args] of [
      [registerPredict, ["predict", "--model", model, "--data", data, "--out", path.join(tmp, "f.csv")]],
      [registerEvaluate, ["evaluate", "--model", model, "--data", data]],
    ] as const) {
      const e = await failure(register, [...args]);
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).file).toBe(`${data}#1`);
      expect((e as EngineError).message).toMatch(/atom 16 is F, a species the model was not trained with/);
    }
    expect(fs.existsSync(path.join(tmp, "f.csv"))).toBe(false);
  });

  it("predict --observables cq on data without Ti says 'no Ti atoms in FILE', exits 1, writes nothing", async () => {
    const data = write(
      "noti.xyz",
      frames(50, 51, (l) => l.replace(/^Ti /, "Li ")),
    );
    const out = path.join(tmp, "noti.csv");
    const args = ["predict", "--model", model, "--data", data, "--out", out, "--observables", "cq"];
    const e = await failure(registerPredict, args);
    expect(e).toBeInstanceOf(ExitCode);
    expect((e as ExitCode).code).toBe(1);
    expect(fs.existsSync(out)).toBe(false);
    // the warning itself, through the CLI entry point
    const r = runWithStdin(args, "");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `soapgpr: warning: no Ti atoms in ${data}: nothing to predict, no output written`,
    );
    expect(r.stderr).not.toMatch(/observables need/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe("non-regular files", () => {
  it("a FIFO given as a data file is refused at once (reading it would block until a writer comes)", () => {
    const fifo = path.join(tmp, "fifo.xyz");
    execFileSync("mkfifo", [fifo]);
    // in a child process with a time limit, so that a regression fails instead of hanging the suite
    const r = runWithStdin(["nmr", fifo], "");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`soapgpr: error [IOError]: ${fifo}: cannot read: this is a FIFO (named pipe)`);
  });
});

describe("`-` reads standard input", () => {
  it("extxyz, plain and gzip-compressed, the format told from the content", () => {
    const xyz = frames(0, 2);
    const a = runWithStdin(["nmr", "-", "--json"], xyz);
    expect(a.status).toBe(0);
    const doc = JSON.parse(a.stdout);
    expect(doc.results.map((r: { source: string }) => r.source)).toEqual(["<stdin>#0", "<stdin>#1"]);
    const b = runWithStdin(["nmr", "-", "--json"], gzipSync(Buffer.from(xyz)));
    expect(JSON.parse(b.stdout)).toEqual(doc);
  });

  it("unrecognisable or empty standard input is a clear error naming <stdin>", () => {
    const a = runWithStdin(["nmr", "-"], "hello\n");
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/^soapgpr: error \[ParseError\]: <stdin>, line 1: cannot tell the format/);
    const b = runWithStdin(["nmr", "-"], "");
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/<stdin>: standard input is empty/);
  });
});
