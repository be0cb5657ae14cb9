/**
 * The `symgrad` command: generate (and check, and watch) gradient modules, gradient-check a model,
 * train a generated module. Each command parses its own flags; errors are one line and an exit code:
 * 0 done, 1 a check or numerical failure, 2 bad flags or input, 3 an output could not be written.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exitCodeOf } from "./errors.ts";

const HELP = `Usage: symgrad <command> [options]

Commands:
  generate [MODEL_FILE|GLOB ...] --out DIR [--check] [--watch]
                         write one flat, zero-import gradient module per model (and index.ts)
  check MODEL_FILE       compare the generated gradient with the interpreter and finite differences
  train [MODEL] [flags]  train a generated module (a file such as src/gen/net.ts, or a shipped
                         model name), print metrics, write plots and JSON

Options:
  -h, --help             this help; \`symgrad <command> --help\` for a command's flags
  -v, --version          print the version

Exit codes: 0 done, 1 check or numerical failure, 2 bad flags or input, 3 output not writable.`;

/** Each command is imported only when it runs: `--help` or a quick check need not load ts-morph. */
const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  generate: async (argv) => (await import("./commands/generate.ts")).generateCommand(argv),
  check: async (argv) => (await import("./commands/check.ts")).checkCommand(argv),
  train: async (argv) => (await import("./commands/train.ts")).trainCommand(argv),
};

/** symgrad's own package.json, found upwards from this file (generator/ or dist/generator/). */
function version(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "symgrad") return pkg.version ?? "unknown";
    }
    if (dirname(dir) === dir) return "unknown";
  }
}

/**
 * `symgrad generate | head`: once the reader has closed the pipe, what is left to print is dropped and
 * the command finishes its work (files are still written); without a listener, EPIPE is a crash.
 */
export function dropOutputToClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    console.log(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === "-v" || command === "--version") {
    console.log(version());
    return 0;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) {
    console.error(`symgrad: unknown command "${command}"; valid: ${Object.keys(COMMANDS).join(", ")} (see symgrad --help)`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (error) {
    const code = exitCodeOf(error);
    // A user's mistake is one line; anything else is a bug in symgrad and keeps its stack.
    const text = code === 1 ? ((error as Error).stack ?? String(error)) : (error as Error).message;
    console.error(`symgrad ${command}: ${text}`);
    return code;
  }
}
