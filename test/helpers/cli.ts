import { Command } from "commander";
import { vi } from "vitest";
import { run } from "../../cli/main.js";

/** Run `action` with process.stdout / process.stderr writes captured into strings. */
async function captured<T>(action: () => Promise<T>): Promise<{ value: T; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    return { value: await action(), stdout, stderr };
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
  const { stdout, stderr } = await captured(() => program.parseAsync(args, { from: "user" }));
  return { stdout, stderr };
}

/**
 * Run the whole CLI in-process as bin/soapgpr.js does: `run(argv)` gives the exit code; an exception that
 * escapes it is what the launcher reports as an internal error, so it becomes exit 70 with its stack on stderr.
 */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let internal = "";
  const r = await captured(() =>
    run(args).catch((err: unknown) => {
      internal = `soapgpr: internal error: ${(err as Error)?.stack ?? String(err)}\n`;
      return 70;
    }),
  );
  return { code: r.value, stdout: r.stdout, stderr: r.stderr + internal };
}
