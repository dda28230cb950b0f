import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { EngineError } from "../core/errors.js";

/**
 * Write a file atomically: the data goes to a temporary file in the same directory, is flushed to disk
 * (fsync) and then renamed over the target, so readers see either the old or the complete new file.
 * The temporary file is removed if anything fails.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx", 0o644);
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
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
