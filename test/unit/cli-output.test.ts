/**
 * Output integrity of the CLI (issue 11, items 1, 2, 3, 15, 19): nothing cut in a pipe, `--out -` streams,
 * `.gz` outputs are gzip, `--out` is checked before the work, usage errors, seeds, exit codes, signals.
 * The child-process tests run bin/soapgpr.js (built from the current sources by ensureBuilt).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { checkOutputDir, checkOutputFile, isGzip, writeFileAtomic } from "../../src/io/atomic.js";
import { parseExtxyz, readExtxyz, writeExtxyz } from "../../src/io/extxyz.js";
import { parseMagres, readMagres, writeMagres } from "../../src/io/magres.js";
import { readStructures } from "../../src/io/read.js";
import { BIN, ensureBuilt, ROOT } from "../helpers/built.js";
import { runMain } from "../helpers/cli.js";

const bench = path.join(ROOT, "..", "shared", "data", "tensoap-ref", "structures", "bench.xyz");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-out-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Frames [a, b) of bench.xyz (16 atoms each: 18 lines per frame) as a new file. */
function frames(a: number, b: number, name: string): string {
  const lines = fs.readFileSync(bench, "utf8").split("\n");
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.slice(a * 18, b * 18).join("\n")}\n`);
  return file;
}

/** Number of Ti atoms (the centre species of the models below) in a structure file. */
function tiCount(file: string): number {
  return readStructures([file]).structures.reduce(
    (n, st) => n + st.numbers.filter((z) => z === 22).length,
    0,
  );
}

const runCli = runMain;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdoutBytes: number;
  stdout: Buffer;
  stderr: string;
}

/** Run bin/soapgpr.js with stdout a pipe (or the file descriptor `stdoutFd`); keep stdout only if `keep`. */
function spawnCli(args: string[], opts: { stdoutFd?: number; keep?: boolean } = {}): Promise<ChildResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    stdio: ["ignore", opts.stdoutFd ?? "pipe", "pipe"],
  });
  return collect(child, opts.keep ?? false);
}

function collect(child: ChildProcess, keep: boolean): Promise<ChildResult> {
  let stdoutBytes = 0;
  const chunks: Buffer[] = [];
  let stderr = "";
  child.stdout?.on("data", (b: Buffer) => {
    stdoutBytes += b.length;
    if (keep) chunks.push(b);
  });
  child.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdoutBytes, stdout: Buffer.concat(chunks), stderr }),
    );
  });
}

describe("item 1: output through a pipe is complete (child process, stdout a pipe)", () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("kernel --json: ≥ 50 MB through a pipe, byte for byte the size of the output redirected to a file", async () => {
    // λ=2 Ti–Ti kernel blocks of all 2048 Ti environments of bench.xyz: ~87 MB of JSON. Small nmax/lmax keep the
    // computation short; the size depends only on the number of atom pairs.
    const args = ["kernel", "--lambda", "2", "--a", bench, "--centers", "Ti", "--json"];
    const small = ["--nmax", "2", "--lmax", "2", "--rcut", "3"];
    const file = path.join(dir, "kernel.json");
    const fd = fs.openSync(file, "w");
    const toFile = await spawnCli([...args, ...small], { stdoutFd: fd });
    fs.closeSync(fd);
    expect(toFile.code).toBe(0);
    const size = fs.statSync(file).size;
    expect(size).toBeGreaterThan(50e6);
    const piped = await spawnCli([...args, ...small]);
    expect(piped.stderr).toBe("");
    expect(piped.code).toBe(0);
    expect(piped.stdoutBytes).toBe(size);
  }, 90_000);

  it("a long stderr message (usage error, exit 2) reaches a slow reader whole", async () => {
    // one argv string may hold up to 128 KiB on Linux; 100 000 characters is well past the 64 KiB pipe buffer.
    // The reader sleeps 1 s before reading, so the message cannot all be in the pipe when the command ends.
    const name = "x".repeat(100_000);
    const message = `error: unknown option '--${name}'\n`;
    const pipeline = '"$0" "$1" fit "--$2" 2>&1 >/dev/null | (sleep 1; wc -c)';
    const counted = execFileSync("sh", ["-c", pipeline, process.execPath, BIN, name], { encoding: "utf8" });
    expect(Number(counted.trim())).toBe(Buffer.byteLength(message));
    const r = await spawnCli(["fit", `--${name}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(message);
  }, 30_000);

  it("a reader that closes the pipe early (| head) ends the command quietly with 141, as SIGPIPE would", () => {
    // ~550 kB of extxyz, far more than `head -c 10` reads before it closes the pipe
    const pipeline =
      '"$0" "$1" dataset lto --structures 50 --out - 2>"$2" | head -c 10 >/dev/null; echo "$PIPESTATUS"';
    const err = path.join(dir, "epipe.err");
    const status = execFileSync("bash", ["-c", pipeline, process.execPath, BIN, err], { encoding: "utf8" });
    expect(status.trim()).toBe("141");
    expect(fs.readFileSync(err, "utf8")).not.toMatch(/Error|EPIPE|\n\s+at /);
  }, 30_000);

  it("fit --out - streams the model through a pipe, the summary goes to stderr, and the process ends by itself", async () => {
    const train = frames(0, 12, "pipe-train.xyz");
    // spawnCli resolves when the process exits: one that keeps running (a live worker pool, a timer) would hit
    // the test timeout instead (a timeout, not a timed assertion: speed belongs in bench/)
    const r = await spawnCli(
      ["fit", "--lambda", "2", "--data", train, "--target", "efg", "--species", "Ti"].concat([
        "--preset",
        "tensoap",
        "--nmax",
        "3",
        "--lmax",
        "2",
        "--out",
        "-",
      ]),
      { keep: true },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/fitted gpr for Ti λ=2/);
    const model = path.join(dir, "piped.model");
    fs.writeFileSync(model, r.stdout);
    const test = frames(80, 82, "pipe-test.xyz");
    const p = await runCli(["predict", "--model", model, "--data", test, "--format", "csv", "--out", "-"]);
    expect(p.code).toBe(0);
    const rows = p.stdout
      .toString("utf8")
      .split("\n")
      .filter((l) => /^\d/.test(l));
    expect(rows.length).toBe(tiCount(test));
  }, 90_000);
});

describe("item 19: signals remove temporary files", () => {
  beforeAll(() => ensureBuilt(), 120_000);

  for (const [signal, code] of [
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const) {
    it(`${signal} during an atomic write: no .tmp file left, exit code ${code}`, async () => {
      const sub = fs.mkdtempSync(path.join(dir, "sig-"));
      const target = path.join(sub, "big.out");
      // the launcher's set-up (bin/soapgpr.js), then one large atomic write that the signal interrupts
      const script = path.join(sub, "child.mjs");
      const dist = (p: string) => JSON.stringify(new URL(`dist/${p}`, `file://${ROOT}`).href);
      fs.writeFileSync(
        script,
        `import { installInterruptCleanup } from ${dist("cli/main.js")};\n` +
          `import { writeFileAtomic } from ${dist("src/io/atomic.js")};\n` +
          "installInterruptCleanup((c) => process.exit(c));\n" +
          `writeFileAtomic(${JSON.stringify(target)}, Buffer.alloc(96 * 2 ** 20, 120));\n` +
          "setTimeout(() => {}, 20000);\n",
      );
      const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "pipe"] });
      const done = collect(child, false);
      // signal as soon as the temporary file exists (the write of 96 MiB plus fsync is still going on)
      while (!fs.readdirSync(sub).some((n) => n.endsWith(".tmp"))) await new Promise((r) => setTimeout(r, 2));
      child.kill(signal);
      const r = await done;
      expect(r.stderr).toBe("");
      expect(r.code).toBe(code);
      expect(fs.readdirSync(sub).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    }, 60_000);
  }
});

describe("item 2: --out - is standard output; non-regular targets are refused", () => {
  it("dataset lto --out - streams the same extxyz that --out FILE writes; the summary goes to stderr", async () => {
    const file = path.join(dir, "lto.extxyz");
    const a = await runCli(["dataset", "lto", "--structures", "2", "--seed", "5", "--out", file]);
    const b = await runCli(["dataset", "lto", "--structures", "2", "--seed", "5", "--out", "-"]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.stdout.equals(fs.readFileSync(file))).toBe(true);
    expect(b.stderr).toMatch(/wrote 2 structures .* to -/);
    expect(fs.existsSync(path.join(ROOT, "-"))).toBe(false);
  });

  it("predict --out - needs --format, and then streams what --out FILE.csv/.json write", async () => {
    const train = frames(0, 8, "fmt-train.xyz");
    const test = frames(80, 81, "fmt-test.xyz");
    const model = path.join(dir, "fmt.model");
    const fit = ["fit", "--lambda", "0", "--data", train, "--target", "efg:cq", "--species", "Ti"];
    expect((await runCli([...fit, "--nmax", "2", "--lmax", "2", "--out", model])).code).toBe(0);
    const base = ["predict", "--model", model, "--data", test];
    const noFormat = await runCli([...base, "--out", "-"]);
    expect(noFormat.code).toBe(1);
    expect(noFormat.stderr).toMatch(/field '--format': standard output needs an output format/);
    for (const fmt of ["csv", "json"]) {
      const file = path.join(dir, `fmt.${fmt}`);
      expect((await runCli([...base, "--out", file])).code).toBe(0);
      const streamed = await runCli([...base, "--format", fmt, "--out", "-"]);
      expect(streamed.code).toBe(0);
      expect(streamed.stdout.equals(fs.readFileSync(file))).toBe(true);
      expect(streamed.stderr).toMatch(new RegExp(`predicted ${tiCount(test)} Ti atoms → -`));
    }
  }, 60_000);

  it("a FIFO, a symlink to one (like /dev/stdout on a pipe) and a directory are refused and left as they are", () => {
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const link = path.join(dir, "stdout-like");
    fs.symlinkSync(fifo, link);
    for (const f of [fifo, link]) {
      expect(() => writeFileAtomic(f, "x")).toThrow(/FIFO \(named pipe\).*use '-' for standard output/);
      expect(() => checkOutputFile(f)).toThrow(/FIFO/);
    }
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    const d = fs.mkdtempSync(path.join(dir, "d-"));
    expect(() => writeFileAtomic(d, "x")).toThrow(/a directory/);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("a symlink to a regular file: the file it points to is replaced, the link is kept", () => {
    const real = path.join(dir, "real.txt");
    fs.writeFileSync(real, "old");
    const link = path.join(dir, "link.txt");
    fs.symlinkSync(real, link);
    writeFileAtomic(link, "new");
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(real, "utf8")).toBe("new");
  });
});

describe("item 3: .gz outputs are gzip, and our readers read them back", () => {
  const s = parseExtxyz(
    '2\nLattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3:efg:R:9 pbc="T T T"\n' +
      "Li 0 0 0 1 0 0 0 2 0 0 0 -3\nO 1 1 1 0.5 0.1 0 0.1 0.5 0 0 0 -1\n",
  )[0]!;

  it("extxyz.gz: gzip bytes, same structures back through readExtxyz and readStructures", () => {
    const plain = path.join(dir, "s.extxyz");
    const gz = path.join(dir, "s.extxyz.gz");
    writeExtxyz(plain, [s, s]);
    writeExtxyz(gz, [s, s]);
    const bytes = fs.readFileSync(gz);
    expect(isGzip(bytes)).toBe(true);
    expect(gunzipSync(bytes).equals(fs.readFileSync(plain))).toBe(true);
    const back = readStructures([gz]).structures;
    expect(back.length).toBe(2);
    expect(Array.from(back[1]!.numericArray("efg")!.data)).toEqual(Array.from(s.numericArray("efg")!.data));
    expect(readExtxyz(gz).length).toBe(2);
  });

  it("magres.gz round trip", () => {
    const gz = path.join(dir, "s.magres.gz");
    writeMagres(gz, s, ["efg"]);
    const bytes = fs.readFileSync(gz);
    expect(isGzip(bytes)).toBe(true);
    const back = readMagres(gz);
    expect(back.positions).toEqual(s.positions);
    expect(Array.from(back.numericArray("efg")!.data)).toEqual(
      Array.from(parseMagres(gunzipSync(bytes).toString("utf8")).numericArray("efg")!.data),
    );
    expect(Array.from(back.numericArray("efg")!.data)).toEqual(Array.from(s.numericArray("efg")!.data));
  });

  it("predict --out .csv.gz / .json.gz and dataset --out .extxyz.gz are gzip once (not twice)", async () => {
    const model = path.join(dir, "gz.model");
    const train = frames(0, 8, "gz-train.xyz");
    const test = frames(80, 81, "gz-test.xyz");
    const fit = ["fit", "--lambda", "0", "--data", train, "--target", "efg:cq", "--species", "Ti"];
    expect((await runCli([...fit, "--nmax", "2", "--lmax", "2", "--out", model])).code).toBe(0);
    for (const ext of ["csv", "json"]) {
      const plain = path.join(dir, `p.${ext}`);
      const gz = `${plain}.gz`;
      await runCli(["predict", "--model", model, "--data", test, "--out", plain]);
      await runCli(["predict", "--model", model, "--data", test, "--out", gz]);
      const text = gunzipSync(fs.readFileSync(gz)).toString("utf8");
      expect(text).toBe(fs.readFileSync(plain, "utf8"));
      if (ext === "json") expect(JSON.parse(text).predictions.length).toBe(tiCount(test));
    }
    const ds = path.join(dir, "d.extxyz.gz");
    expect((await runCli(["dataset", "lto", "--structures", "1", "--out", ds])).code).toBe(0);
    const once = gunzipSync(fs.readFileSync(ds));
    expect(isGzip(once)).toBe(false);
    expect(readStructures([ds]).structures.length).toBe(1);
  }, 60_000);

  it("a model file is not written compressed: fit --out x.model.gz is refused before the work", async () => {
    const r = await runCli(
      ["fit", "--lambda", "0", "--data", "/nonexistent.xyz", "--target", "efg:cq", "--species", "Ti"].concat([
        "--out",
        path.join(dir, "m.model.gz"),
      ]),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/m\.model\.gz, field '--out': this output is not written compressed/);
  });
});

describe("item 15: --out is checked before the expensive work", () => {
  const missing = path.join(dir, "no-such-dir");
  const noInput = ["--model", "/nonexistent.model", "--data", "/nonexistent.xyz"];
  const fitArgs = ["--lambda", "0", "--data", "/nonexistent.xyz", "--target", "efg:cq", "--species", "Ti"];
  const cases: [string, string[], string][] = [
    ["fit", ["fit", ...fitArgs], "m.model"],
    ["predict", ["predict", ...noInput], "p.csv"],
    ["search", ["search", ...fitArgs], "m.model"],
    ["dataset lto", ["dataset", "lto", "--structures", "2"], "d.extxyz"],
    ["dataset lto-large", ["dataset", "lto-large", "--cells", "1"], "d.extxyz"],
    ["bench wq-large", ["bench", "wq-large", ...noInput], "w.extxyz"],
  ];
  for (const [name, args, out] of cases) {
    it(`${name}: an output directory that does not exist is reported before any input is read`, async () => {
      const r = await runCli([...args, "--out", path.join(missing, out)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no-such-dir does not exist/);
      expect(r.stderr).toMatch(/field '--out'/);
      expect(r.stderr).not.toMatch(/dataset lto/); // no progress: nothing was generated
    });
  }

  it("unknown extensions (predict, dataset) and a report directory under a regular file are refused", async () => {
    const p = await runCli(["predict", ...noInput, "--out", path.join(dir, "a.txt")]);
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/a\.txt, field '--out': unknown output type/);
    const d = await runCli(["dataset", "lto", "--structures", "2", "--out", path.join(dir, "a.txt")]);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/unknown output type \(use \.extxyz, \.xyz, optionally \+ \.gz\)/);
    const file = path.join(dir, "plain-file");
    fs.writeFileSync(file, "");
    const b = await runCli(["bench", "wq-large", ...noInput, "--report", path.join(file, "r")]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/plain-file is not a directory/);
    expect(() => checkOutputDir("-")).toThrow(EngineError);
    expect(() => checkOutputDir(path.join(dir, "new", "nested"))).not.toThrow();
  });
});

describe("item 19: usage errors, seeds, exit codes", () => {
  it("fit --bogus reports the unknown option (exit 2), not a missing --target", async () => {
    const r = await runCli(["fit", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown option '--bogus'\n");
    const m = await runCli(["fit", "--data", "x.xyz"]);
    expect(m.code).toBe(2);
    // --lambda is optional (a tensor target fits all its blocks, issue 14): --target is the first required one
    expect(m.stderr).toMatch(/required option '--target <name>' not specified/);
  });

  it("seeds above 2^53 − 1 are a usage error on every command that takes --seed; 2^53 − 1 itself is accepted", async () => {
    const big = "9007199254740993"; // 2^53 + 1: as a float64 it would silently become 2^53
    const commands = [
      ["fit", "--lambda", "0", "--data", "x.xyz", "--target", "efg:cq", "--species", "Ti", "--out", "m"],
      ["search", "--lambda", "0", "--data", "x.xyz", "--target", "efg:cq", "--species", "Ti", "--out", "m"],
      ["dataset", "lto", "--out", "x.extxyz"],
      ["dataset", "lto-large", "--out", "x.extxyz"],
      ["bench", "lto"],
    ];
    for (const c of commands) {
      const r = await runCli([...c, "--seed", big]);
      expect(r.code, c.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/seeds above 2\^53 - 1 = 9007199254740991 are not supported/);
    }
    const neg = await runCli(["dataset", "lto", "--out", "x.extxyz", "--seed", "-1"]);
    expect(neg.code).toBe(2);
    const ok = path.join(dir, "seed.extxyz");
    const r = await runCli([
      "dataset",
      "lto",
      "--structures",
      "1",
      "--seed",
      "9007199254740991",
      "--out",
      ok,
    ]);
    expect(r.code).toBe(0);
  });

  it("--help and README.md document the exit codes", async () => {
    const h = await runCli(["--help"]);
    expect(h.code).toBe(0);
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const text of [h.stdout.toString("utf8"), readme]) {
      for (const code of ["0", "1", "2", "70", "130", "143"])
        expect(text).toMatch(new RegExp(`\\b${code}\\b`));
      expect(text).toMatch(/Exit codes/i);
    }
  });
});
