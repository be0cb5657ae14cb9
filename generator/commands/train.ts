/**
 * symgrad train [MODEL] [flags]: the runtime's trainer (src/cli.ts) on a shipped model or on any
 * generated module file. A file is loaded like a model file (load.ts), so .ts works with plain node,
 * and checked to have the generated-module shape before training.
 */
import { existsSync } from "node:fs";
import { main as trainMain } from "../../src/cli.ts";
import { asGeneratedModel, registryOf } from "../../src/models.ts";
import { UsageError } from "../errors.ts";
import { LoadError, loadFile } from "../load.ts";

/** A model argument that names a file rather than a shipped model. */
const looksLikeFile = (arg: string) => /[\\/]|\.[cm]?[jt]s$/.test(arg) || existsSync(arg);

export async function trainCommand(argv: string[]): Promise<number> {
  const args = [...argv];
  // The model may come first (symgrad train src/gen/net.ts …) or as --model.
  if (args.length > 0 && !args[0].startsWith("-")) args.splice(0, 1, "--model", args[0]);
  const at = args.findIndex((a) => a === "--model" || a.startsWith("--model="));
  const value = at < 0 ? undefined : args[at].startsWith("--model=") ? args[at].slice(8) : args[at + 1];
  if (value === undefined || !looksLikeFile(value)) return trainMain(args, "symgrad train");

  if (!existsSync(value)) throw new UsageError(`--model: no such file: ${value}`);
  let exports, code;
  try {
    ({ exports, code } = await loadFile(value));
  } catch (error) {
    if (error instanceof LoadError) throw new UsageError(`--model: ${value}: ${error.message}`);
    throw error;
  }
  const module = asGeneratedModel(exports);
  if (typeof module === "string") throw new UsageError(`--model: ${value} is not a generated module: ${module}`);
  const rest = at < 0 ? args : [...args.slice(0, at), ...args.slice(args[at].startsWith("--model=") ? at + 1 : at + 2)];
  // Worker threads (--workers) evaluate the very bundle this process trains, from a data: URL.
  const moduleUrl = `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`;
  return trainMain(["--model", module.MODEL.name, ...rest], "symgrad train", registryOf(module, moduleUrl));
}
