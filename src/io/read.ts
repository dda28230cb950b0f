/**
 * One entry point for structure input: dispatch on the file extension.
 * `.xyz` / `.extxyz` (all frames), `.magres`, `.cif`, `.json` (the Venetos et al. 29Si shielding dataset
 * layout, see venetos.ts) — each optionally `.gz`-compressed. `-` is standard input, whose format is told
 * from its content (see sniffFormat). Directories expand to their `.magres(.gz)` and `.extxyz/.xyz(.gz)`
 * files, searched recursively, sorted by name.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import type { WarningSink } from "../core/warnings.js";
import { STDIN_NAME, STDIO_PATH, readTextMaybeGz } from "./atomic.js";
import { parseCif } from "./cif.js";
import { iterExtxyz, parseExtxyz } from "./extxyz.js";
import { parseMagres } from "./magres.js";
import { parseVenetosJson } from "./venetos.js";

export type StructureFormat = "extxyz" | "magres" | "cif" | "venetos-json";

/** Format of a file from its name, or undefined when the extension is not recognised. */
export function formatOf(file: string): StructureFormat | undefined {
  const name = file.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".xyz") || name.endsWith(".extxyz")) return "extxyz";
  if (name.endsWith(".magres")) return "magres";
  if (name.endsWith(".cif")) return "cif";
  if (name.endsWith(".json")) return "venetos-json";
  return undefined;
}

/**
 * Format of a text from its content (for standard input, which has no name): JSON starts with `{` or `[`;
 * magres with `#$magres` or a `[atoms]`/`[magres]`/`[calculation]` (or `<atoms>`…) block; extxyz with an
 * atom count on its first non-blank line; CIF has a `data_` line. Undefined when none fits.
 */
export function sniffFormat(text: string): StructureFormat | undefined {
  const head = text.slice(0, 1 << 16);
  const first = head.trimStart();
  if (first.startsWith("{") || first.startsWith("[")) {
    return /^\[\/?(atoms|magres|calculation)\]/.test(first) ? "magres" : "venetos-json";
  }
  if (/^#\$magres|^<\/?(atoms|magres|calculation)>/.test(first)) return "magres";
  if (/^[+-]?\d+[ \t]*(\r?\n|$)/.test(first)) return "extxyz";
  if (/^[ \t]*data_/m.test(head)) return "cif";
  return undefined;
}

export interface ReadOptions {
  /** Where reader warnings go (e.g. a possibly truncated extxyz). Default: stderr. */
  warn?: WarningSink;
  /**
   * Accept NaN/Inf in extxyz per-atom arrays (as `soapgpr predict` writes for atoms it did not predict); the
   * caller then checks the values it uses. Default false.
   */
  allowNonFinite?: boolean;
}

export interface ReadResult {
  structures: Structure[];
  /** One entry per structure: the file it came from (with `#frame` for multi-frame extxyz). */
  sources: string[];
}

/** Read structures from files, directories and `-` (standard input) (see module documentation). */
export function readStructures(paths: readonly string[], options: ReadOptions = {}): ReadResult {
  const structures: Structure[] = [];
  const sources: string[] = [];
  for (const p of expandPaths(paths)) {
    const { name, format, frames } = readOne(p, options);
    frames.forEach((s, k) => {
      structures.push(s);
      sources.push(
        format === "venetos-json" || (format === "extxyz" && frames.length > 1) ? `${name}#${k}` : name,
      );
    });
  }
  return { structures, sources };
}

function readOne(
  p: string,
  options: ReadOptions,
): { name: string; format: StructureFormat; frames: Structure[] } {
  if (p === STDIO_PATH) {
    const text = readTextMaybeGz(p);
    const format = sniffFormat(text);
    if (format === undefined) {
      throw new EngineError(
        "ParseError",
        "cannot tell the format of standard input (expected extxyz, magres, CIF or Venetos JSON)",
        { file: STDIN_NAME, line: 1 },
      );
    }
    return { name: STDIN_NAME, format, frames: parseText(text, STDIN_NAME, format, options) };
  }
  const format = formatOf(p);
  if (format === undefined) {
    throw new EngineError(
      "InvalidParameter",
      "unknown structure file type (expected .xyz, .extxyz, .magres, .cif or Venetos .json, optionally .gz; `-` for standard input)",
      { file: p, field: "extension" },
    );
  }
  // extxyz is streamed frame by frame; the other formats are parsed from the whole text
  const frames =
    format === "extxyz" ? [...iterExtxyz(p, options)] : parseText(readTextMaybeGz(p), p, format, options);
  return { name: p, format, frames };
}

function parseText(text: string, name: string, format: StructureFormat, options: ReadOptions): Structure[] {
  if (format === "extxyz") return parseExtxyz(text, name, options);
  if (format === "magres") return [parseMagres(text, name)];
  if (format === "cif") return [parseCif(text, name)];
  return parseVenetosJson(text, name);
}

const isStructureFile = (name: string): boolean => {
  const f = formatOf(name);
  return f === "magres" || f === "extxyz";
};

/**
 * Expand directories (recursively) into their structure files — `.magres` and `.extxyz/.xyz`, optionally
 * `.gz` — sorted by name; files and `-` are passed through unchanged. A directory without any such file is
 * an error.
 */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === STDIO_PATH) {
      out.push(p);
      continue;
    }
    const found = listFiles([p], isStructureFile);
    if (found.length === 0) {
      throw new EngineError(
        "InvalidParameter",
        "the directory holds no structure files (.extxyz, .xyz or .magres, optionally .gz, searched recursively)",
        { file: p },
      );
    }
    out.push(...found);
  }
  return out;
}

function statOf(p: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch (e) {
    throw new EngineError("IOError", `cannot read: ${(e as Error).message}`, { file: p }, { cause: e });
  }
}

/**
 * The files under `inputs`: a file named directly is kept whatever its name; a directory contributes the
 * files whose names `accept` approves, in name order, descending into sub-directories when `recursive`
 * (symbolic links followed, each directory visited once so that link cycles end).
 */
export function listFiles(
  inputs: readonly string[],
  accept: (name: string) => boolean,
  recursive = true,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (p: string, top: boolean): void => {
    const st = statOf(p);
    if (!st.isDirectory()) {
      if (top || accept(path.basename(p))) out.push(p);
      return;
    }
    if (!top && !recursive) return;
    const real = fs.realpathSync(p);
    if (seen.has(real)) return;
    seen.add(real);
    for (const name of fs.readdirSync(p).sort()) {
      const q = path.join(p, name);
      if (statOf(q).isDirectory() || accept(name)) visit(q, false);
    }
  };
  for (const p of inputs) visit(p, true);
  return out;
}
