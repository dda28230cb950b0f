import { Command } from "commander";
import { vi } from "vitest";
import { run } from "../../cli/main.js";

/** Run `f` with process.stdout and process.stderr captured (stdout as bytes: `--out -` may write binary). */
async function captured<T>(f: () => Promise<T>): Promise<{ value: T; stdout: Buffer; stderr: string }> {
  const chunks: Buffer[] = [];
  let stderr = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    chunks.push(typeof s === "string" ? Buffer.from(s, "utf8") : Buffer.from(s as Uint8Array));
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    const value = await f();
    return { value, stdout: Buffer.concat(chunks), stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** Run one CLI command module in-process (commander with exitOverride), capturing stdout and stderr. */
export async function runCommand(
  register: (program: Command) => void,
  args: string[],
): Promise<{ stdout: string; stderr: string }> {
  const program = new Command("soapgpr").exitOverride();
  register(program);
  const r = await captured(() => program.parseAsync(args, { from: "user" }));
  return { stdout: r.stdout.toString("utf8"), stderr: r.stderr };
}

/**
 * Run the whole CLI in-process as bin/soapgpr.js does: `run(argv)` (with its error printer) gives the exit code;
 * an exception that escapes it is what the launcher reports as an internal error, so it becomes exit 70 with its
 * stack on stderr. stdout as bytes (`--out -` may write binary).
 */
export async function runMain(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  let internal = "";
  const r = await captured(() =>
    run(args).catch((err: unknown) => {
      internal = `soapgpr: internal error: ${(err as Error)?.stack ?? String(err)}\n`;
      return 70;
    }),
  );
  return { code: r.value, stdout: r.stdout, stderr: r.stderr + internal };
}

/** runMain with stdout as UTF-8 text. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runMain(args);
  return { ...r, stdout: r.stdout.toString("utf8") };
}
