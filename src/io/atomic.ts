import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { EngineError } from "../core/errors.js";

/** The file name that means standard output (DESIGN.md, CLI contract). */
export const STDOUT_NAME = "-";

/** Temporary files of atomic writes in progress, removed by `removePendingTempFiles` (SIGINT/SIGTERM). */
const pendingTemps = new Set<string>();
let onFirstTemp: (() => void) | undefined;

/**
 * Call `hook` once, when this process creates its first temporary file. The CLI installs its SIGINT/SIGTERM
 * clean-up then rather than at start-up, so that Ctrl-C stays immediate during the computation before it.
 */
export function whenFirstTempFile(hook: () => void): void {
  onFirstTemp = hook;
}

/** Remove the temporary files of atomic writes in progress (best effort; for signal handlers). */
export function removePendingTempFiles(): void {
  for (const tmp of pendingTemps) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // best effort: the process is ending on a signal
    }
  }
  pendingTemps.clear();
}

/** UTF-8 bytes of `data`, gzip-compressed when the name ends in `.gz`. */
function outputBytes(file: string, data: string | Uint8Array): Uint8Array {
  const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return file.toLowerCase().endsWith(".gz") ? gzipSync(buf, { level: 9 }) : buf;
}

function notRegular(file: string, st: fs.Stats, field?: string): EngineError {
  const kind = st.isDirectory()
    ? "a directory"
    : st.isCharacterDevice()
      ? "a character device"
      : st.isFIFO()
        ? "a FIFO (named pipe)"
        : st.isSocket()
          ? "a socket"
          : "not a regular file";
  return new EngineError(
    "IOError",
    `output is ${kind}; outputs are written to a temporary file and renamed over the target, which needs a ` +
      `regular file (use '-' for standard output)`,
    field !== undefined ? { file, field } : { file },
  );
}

/**
 * The path the temporary file is renamed to: `file` itself, or, when `file` is a symbolic link to a regular
 * file, the file it points to (the link is kept). An existing target that is not a regular file (device,
 * FIFO, directory, /dev/stdout on a pipe or terminal) is refused with an IOError.
 */
function renameTarget(file: string): string {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file, { throwIfNoEntry: false });
  } catch {
    return file; // e.g. a path through a non-directory: the write below reports it
  }
  if (!st) return file;
  if (!st.isFile()) throw notRegular(file, st);
  return fs.lstatSync(file).isSymbolicLink() ? fs.realpathSync(file) : file;
}

/**
 * Write a file atomically: the data goes to a temporary file in the same directory, is flushed to disk
 * (fsync) and then renamed over the target, so readers see either the old or the complete new file.
 * The temporary file is removed if anything fails (and on SIGINT/SIGTERM, see `removePendingTempFiles`).
 * A name ending in `.gz` gets gzip; `-` writes to standard output instead.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const buf = outputBytes(file, data);
  if (file === STDOUT_NAME) {
    process.stdout.write(buf);
    return;
  }
  const target = renameTarget(file);
  const dir = path.dirname(path.resolve(target));
  const tmp = path.join(
    dir,
    `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );
  let fd: number | undefined;
  try {
    if (pendingTemps.size === 0 && onFirstTemp) {
      onFirstTemp();
      onFirstTemp = undefined;
    }
    pendingTemps.add(tmp);
    fd = fs.openSync(tmp, "wx", 0o644);
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // best effort clean-up
    }
    throw new EngineError("IOError", `cannot write file: ${(e as Error).message}`, { file }, { cause: e });
  } finally {
    pendingTemps.delete(tmp);
  }
}

/**
 * Check, before any expensive work, that `file` can be written: `-` (standard output), or a path in an
 * existing, writable directory that is not an existing non-regular file; with `extensions`, the name must
 * end in one of them (or one of them + `.gz` when `gzip` is allowed, the default). Throws an EngineError
 * naming the file and the option.
 */
export function checkOutputFile(
  file: string,
  options: { extensions?: readonly string[]; gzip?: boolean; field?: string } = {},
): void {
  if (file === STDOUT_NAME) return;
  const field = options.field ?? "out";
  const lower = file.toLowerCase();
  if (lower.endsWith(".gz") && options.gzip === false)
    throw new EngineError("InvalidParameter", "this output is not written compressed; drop the .gz", {
      file,
      field,
    });
  const base = lower.replace(/\.gz$/, "");
  const exts = options.extensions;
  if (exts && !exts.some((x) => base.endsWith(x)))
    throw new EngineError(
      "InvalidParameter",
      `unknown output type (use ${exts.join(", ")}${options.gzip === false ? "" : ", optionally + .gz"})`,
      { file, field },
    );
  checkWritableDir(path.dirname(path.resolve(file)), file, field);
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st && !st.isFile()) throw notRegular(file, st, field);
}

/** Check that output directory `dir` exists or can be created (its nearest existing ancestor is writable). */
export function checkOutputDir(dir: string, field = "report"): void {
  if (dir === STDOUT_NAME)
    throw new EngineError("InvalidParameter", "a directory is written here; '-' is not possible", { field });
  let d = path.resolve(dir);
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  checkWritableDir(d, dir, field);
}

function checkWritableDir(dir: string, file: string, field: string): void {
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  const why = !st ? "does not exist" : !st.isDirectory() ? "is not a directory" : undefined;
  if (why) throw new EngineError("IOError", `output directory ${dir} ${why}`, { file, field });
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw new EngineError("IOError", `output directory ${dir} is not writable`, { file, field });
  }
}

/** True if the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The path `-`: standard input for readers (standard output for writers). */
export const STDIO_PATH = "-";
/** How standard input is named in messages and sources. */
export const STDIN_NAME = "<stdin>";

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice()) return "a character device (such as /dev/zero or a terminal)";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Open a regular file for reading (symbolic links followed). Directories, devices (/dev/zero, /dev/urandom),
 * FIFOs and sockets are refused before opening — reading them would never end, block, or make no sense.
 * Returns the file descriptor; the caller closes it.
 */
export function openRegular(file: string): number {
  let fd: number | undefined;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      throw new EngineError("IOError", `cannot read: this is ${kindOf(st)}, not a regular file`, { file });
    }
    fd = fs.openSync(file, "r");
    const st2 = fs.fstatSync(fd);
    if (!st2.isFile()) {
      throw new EngineError("IOError", `cannot read: this is ${kindOf(st2)}, not a regular file`, { file });
    }
    return fd;
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    if (e instanceof EngineError) throw e;
    throw new EngineError("IOError", `cannot read file: ${(e as Error).message}`, { file }, { cause: e });
  }
}

/**
 * Read raw bytes of a regular file, or of standard input when `file` is `-`, with a clear EngineError (code
 * IOError) naming the file when it cannot be read.
 */
export function readBytes(file: string): Buffer {
  if (file === STDIO_PATH) return readStdin();
  const fd = openRegular(file);
  try {
    return fs.readFileSync(fd);
  } catch (e) {
    throw new EngineError("IOError", `cannot read file: ${(e as Error).message}`, { file }, { cause: e });
  } finally {
    fs.closeSync(fd);
  }
}

function readStdin(): Buffer {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(0);
  } catch (e) {
    throw new EngineError(
      "IOError",
      `cannot read: ${(e as Error).message}`,
      { file: STDIN_NAME },
      { cause: e },
    );
  }
  if (bytes.length === 0) {
    throw new EngineError("IOError", "standard input is empty (`-` can be read only once per command)", {
      file: STDIN_NAME,
    });
  }
  return bytes;
}

/** Display name of a path: `<stdin>` for `-`, the path itself otherwise. */
export function inputName(file: string): string {
  return file === STDIO_PATH ? STDIN_NAME : file;
}

/**
 * Read a text file (UTF-8), or standard input for `-`, transparently gunzipping it when the name ends in
 * `.gz` or the content starts with the gzip magic bytes.
 */
export function readTextMaybeGz(file: string): string {
  const raw = readBytes(file);
  if (file.endsWith(".gz") || isGzip(raw)) {
    try {
      return gunzipSync(raw).toString("utf8");
    } catch (e) {
      throw new EngineError(
        "IOError",
        `cannot gunzip: ${(e as Error).message}`,
        { file: inputName(file) },
        { cause: e },
      );
    }
  }
  return raw.toString("utf8");
}
