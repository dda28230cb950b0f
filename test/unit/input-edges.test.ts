/**
 * Hard edges of the input side (issue 11, items 4, 10, 13, 14, 16, 17, 18): truncated files, absurd atom
 * counts, non-regular files, over-long lines, directories, prototype keys and unprintable text in messages.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { register as registerNmr } from "../../cli/commands/nmr.js";
import { EngineError, printable, quoteInput } from "../../src/core/errors.js";
import { parseGnnHypers } from "../../src/gnn/model.js";
import { loadModel } from "../../src/models.js";
import { MAX_LINE_CHARS } from "../../src/io/_text.js";
import { parseExtxyz, readExtxyz } from "../../src/io/extxyz.js";
import { parseMagres, readMagres } from "../../src/io/magres.js";
import { expandPaths, readStructures, sniffFormat } from "../../src/io/read.js";
import { isotopeFor } from "../../src/nmr/isotopes.js";
import { cacheKey } from "../../src/search/cache.js";
import { runCommand } from "../helpers/cli.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, "../../../shared/data");
const bench = path.join(shared, "tensoap-ref/structures/bench.xyz");
const ethanol = path.join(shared, "magres/soprano/ethanol.magres");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-edges-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string | Buffer): string {
  const f = path.join(tmp, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

function engineError(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error("expected an EngineError, nothing was thrown");
}

/** The first frame of bench.xyz (16 atoms, 18 lines), with its final newline. */
const frame0 = `${fs.readFileSync(bench, "utf8").split("\n").slice(0, 18).join("\n")}\n`;

describe("item 4: a truncated last number warns", () => {
  const collect = () => {
    const seen: string[] = [];
    return { seen, warn: (m: string) => seen.push(m) };
  };

  it("no warning for the complete frame", () => {
    const w = collect();
    expect(parseExtxyz(frame0, "ok.xyz", w).length).toBe(1);
    readExtxyz(write("ok.xyz", frame0), w);
    expect(w.seen).toEqual([]);
  });

  it("warns, naming file and line, when the file ends without a newline inside the last number", () => {
    const cut = frame0.slice(0, -6); // "…-0.08123456\n" → "…-0.081"
    for (const read of [
      (w: { warn: (m: string) => void }) => parseExtxyz(cut, "cut.xyz", w),
      (w: { warn: (m: string) => void }) => readExtxyz(write("cut.xyz", cut), w),
    ]) {
      const w = collect();
      expect(read(w).length).toBe(1);
      expect(w.seen.length).toBe(1);
      expect(w.seen[0]).toMatch(/cut\.xyz, line 18: the file ends without a newline/);
    }
  });

  it("warns when the last number is shorter than that column in every other row, even after a newline", () => {
    const w = collect();
    parseExtxyz(`${frame0.slice(0, -6)}\n`, "cut2.xyz", w);
    expect(w.seen.length).toBe(1);
    expect(w.seen[0]).toMatch(/cut2\.xyz, line 18: the last value '.*' is shorter/);
  });

  it("a frame with fewer rows than its atom count stays an error", () => {
    const e = engineError(() => parseExtxyz(frame0.split("\n").slice(0, 17).join("\n"), "short.xyz"));
    expect(e.code).toBe("ParseError");
    expect(e.line).toBe(18);
  });

  it("the CLI prints the warning as `soapgpr: warning: FILE, line N: …` and still succeeds", async () => {
    const f = write("cli-cut.xyz", frame0.slice(0, -6));
    const { stderr } = await runCommand(registerNmr, ["nmr", f]);
    expect(stderr).toContain(`soapgpr: warning: ${f}, line 18: the file ends without a newline`);
  });
});

describe("item 10: an absurd atom count is a ParseError naming the line", () => {
  const text = "4294967296\nProperties=species:S:1:pos:R:3\nH 0 0 0\n";
  it("in memory and streamed from a file", () => {
    for (const e of [
      engineError(() => parseExtxyz(text, "big.xyz")),
      engineError(() => readExtxyz(write("big.xyz", text))),
    ]) {
      expect(e.code).toBe("ParseError");
      expect(e.line).toBe(1);
      expect(e.field).toBe("natoms");
      expect(e.message).toMatch(/atom count 4294967296 is more than the rest of the file can hold/);
    }
  });

  it("a count the rest of the file can hold is still read (the bound is not too tight)", () => {
    // two atoms of the shortest possible lines, the last without a newline
    expect(parseExtxyz("2\n\nH 0 0 0\nH 1 1 1", "tight.xyz", { warn: () => {} })[0]!.length).toBe(2);
  });
});

describe("item 13: non-regular input files and over-long lines", () => {
  it("refuses character devices behind symlinks and directories before reading them (FIFOs: see input-edges-cli)", () => {
    fs.symlinkSync("/dev/zero", path.join(tmp, "zero.xyz"));
    fs.symlinkSync("/dev/urandom", path.join(tmp, "random.magres"));
    fs.mkdirSync(path.join(tmp, "dir.model"));
    const cases: [() => unknown, RegExp][] = [
      [() => readStructures([path.join(tmp, "zero.xyz")]), /character device/],
      [() => readStructures([path.join(tmp, "random.magres")]), /character device/],
      [() => loadModel(path.join(tmp, "dir.model")), /directory/],
    ];
    for (const [fn, re] of cases) {
      const e = engineError(fn);
      expect(e.code).toBe("IOError");
      expect(e.message).toMatch(re);
      expect(e.file).toMatch(/zero\.xyz|random\.magres|dir\.model/);
    }
  });

  it("caps the line length with a clear error naming the line (streamed extxyz and whole-text magres)", () => {
    const long = "x".repeat(MAX_LINE_CHARS + 10);
    const x = engineError(() => readExtxyz(write("long.xyz", `1\n${long}\nH 0 0 0\n`)));
    expect(x.code).toBe("ParseError");
    expect(x.line).toBe(2);
    expect(x.message).toMatch(/line is longer than 4 MiB/);
    const m = engineError(() => parseMagres(`#$magres-abinitio-v1.0\n${long}\n`, "long.magres"));
    expect(m.line).toBe(2);
    expect(m.message).toMatch(/line is longer than 4 MiB/);
  });

  it("tells the format of standard input from its content", () => {
    expect(sniffFormat(frame0)).toBe("extxyz");
    expect(sniffFormat(fs.readFileSync(ethanol, "utf8"))).toBe("magres");
    expect(sniffFormat("# comment\ndata_NaCl\n_cell_length_a 5.6\n")).toBe("cif");
    expect(sniffFormat('{"structure": []}')).toBe("venetos-json");
    expect(sniffFormat("hello world\n")).toBeUndefined();
  });
});

describe("item 14: a zero-volume Lattice names file and line", () => {
  it("extxyz", () => {
    const text = '1\nLattice="1 0 0 2 0 0 0 0 1" Properties=species:S:1:pos:R:3\nH 0 0 0\n';
    const e = engineError(() => parseExtxyz(text, "flat.xyz"));
    expect(e.message).toBe("flat.xyz, line 2, field 'Lattice': cell is singular (zero volume)");
  });

  it("magres", () => {
    const text = fs.readFileSync(ethanol, "utf8").replace(/^(\s*)lattice .*/m, "$1lattice 1 0 0 2 0 0 0 0 1");
    const e = engineError(() => parseMagres(text, "flat.magres"));
    expect(e.file).toBe("flat.magres");
    expect(e.line).toBeGreaterThan(0);
    expect(e.message).toBe(`flat.magres, line ${e.line}, field 'Lattice': cell is singular (zero volume)`);
  });
});

describe("item 16: directories are searched recursively", () => {
  it("finds structure files in sub-folders, in name order, and survives a symlink cycle", () => {
    const root = path.join(tmp, "tree");
    write("tree/b/deep/two.xyz", frame0);
    write("tree/a/one.xyz", frame0);
    write("tree/notes.txt", "not a structure");
    fs.symlinkSync(root, path.join(root, "b", "loop"));
    expect(expandPaths([root])).toEqual([path.join(root, "a/one.xyz"), path.join(root, "b/deep/two.xyz")]);
    expect(readStructures([root]).structures.length).toBe(2);
  });

  it("says that a directory holds no structure files", () => {
    write("empty/sub/readme.txt", "nothing here");
    const e = engineError(() => readStructures([path.join(tmp, "empty")]));
    expect(e.file).toBe(path.join(tmp, "empty"));
    expect(e.message).toMatch(/holds no structure files/);
  });
});

describe("item 17: user text never reaches the prototype chain", () => {
  it("magres units: inherited names such as constructor are not units", () => {
    const text = fs.readFileSync(ethanol, "utf8");
    expect(text).toMatch(/units lattice Angstrom/);
    for (const u of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const e = engineError(() =>
        parseMagres(text.replace("units lattice Angstrom", `units lattice ${u}`), "u.magres"),
      );
      expect(e.message).toMatch(new RegExp(`unknown unit '${u}' for 'lattice'`));
    }
  });

  it("magres [calculation] / extxyz info keys named __proto__ are stored as ordinary keys", () => {
    const s = parseExtxyz(
      '1\n__proto__={"polluted":1} Properties=species:S:1:pos:R:3\nH 0 0 0\n',
      "p.xyz",
    )[0]!;
    expect(Object.hasOwn(s.info, "__proto__")).toBe(true);
    expect((s.info as Record<string, unknown>)["polluted"]).toBeUndefined();
    const m = readMagres(ethanol);
    expect(Object.getPrototypeOf(m.info)).toBe(Object.prototype);
  });

  it("isotopes, GNN hypers and cache keys look up own keys only", () => {
    expect(isotopeFor("toString")).toBeNull();
    expect(isotopeFor("constructor", { Li: "7Li" })).toBeNull();
    expect(engineError(() => parseGnnHypers({ constructor: 1 })).message).toMatch(
      /unknown GNN hyperparameter/,
    );
    expect(engineError(() => parseGnnHypers(JSON.parse('{"__proto__": {"x": 1}}'))).message).toMatch(
      /unknown GNN hyperparameter/,
    );
    expect(engineError(() => cacheKey({}, ["toString"])).message).toMatch(/needs parameter/);
  });
});

describe("item 18: quoted input is one short, printable line", () => {
  it("printable escapes control characters; quoteInput cuts at 80 characters", () => {
    expect(printable("a\u001b[31mb\u0007\r\n\t\u009b\u2028")).toBe("a\\x1b[31mb\\x07\\r\\n\\t\\x9b\\u2028");
    const q = quoteInput("y".repeat(500));
    expect(q).toBe(`'${"y".repeat(80)}…'`);
  });

  it("a CR-only extxyz gives a short error, not the whole file", () => {
    const cr = frame0.replace(/\n/g, "\r");
    expect(cr.length).toBeGreaterThan(1000);
    const e = engineError(() => parseExtxyz(cr, "cr.xyz"));
    expect(e.message.length).toBeLessThan(200);
    expect(e.message).toMatch(/^cr\.xyz, line 1, field 'natoms': not an integer: '16\\r.{77}…'$/);
  });

  it("terminal escape codes in a token are escaped in the message", () => {
    const e = engineError(() => parseExtxyz("1\nx=1\nH 0 0 \u001b]0;owned\u0007\n", "esc.xyz"));
    expect(e.message).toContain("'\\x1b]0;owned\\x07'");
    expect([...e.message].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
  });

  it("a file name with a newline cannot forge lines in errors or in `nmr` text output", async () => {
    const f = write("evil\n# forged.xyz", frame0);
    const e = engineError(() => readStructures([`${f}.missing`]));
    expect(e.message.split("\n").length).toBe(1);
    const { stdout } = await runCommand(registerNmr, ["nmr", f]);
    expect(stdout.split("\n").filter((l) => l.startsWith("# forged"))).toEqual([]);
    expect(stdout).toContain("evil\\n# forged.xyz");
  });
});
