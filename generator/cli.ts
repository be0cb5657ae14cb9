/**
 * npm run generate [-- --check] [-- --model FILE --out DIR]
 *
 * The only part of the generator that touches the disk. Every file is built in memory first, so a bad
 * model or a formatting error writes nothing; files are then written atomically (temporary file in
 * the same folder, then rename) and only when their content changed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { isModelDefinition, type ModelDefinition } from "./model.ts";
import { HESSIAN_MAX_PARAMS } from "./compile.ts";
import { SHIPPED_MODELS } from "./models/index.ts";
import { generateModule, generateRegistry, type GeneratedFile, type GeneratedModule } from "./pipeline.ts";
import { naiveGradientOps } from "./symbolic/count.ts";
import { Expr } from "./symbolic/expr.ts";

const GENERATED_DIR = fileURLToPath(new URL("../generated/", import.meta.url));

const HELP = `Usage: npm run generate -- [options]

Differentiates each model's loss and writes a flat, unrolled TypeScript module per model.

Options:
  --check          build everything in memory and compare with generated/ byte for byte;
                   list stale, missing and extra files; exit 1 if any; write nothing
  --model FILE     generate one module from FILE, whose default export is defineModel(...)
  --out DIR        where --model writes its module (required with --model)
  --quiet          print nothing but errors
  -h, --help       show this help

Without options: all shipped models (generator/models) into generated/, with generated/index.ts.`;

/** A user error: the message is printed as is and the process exits with code 2. */
class UsageError extends Error {}

interface Options {
  check: boolean;
  model?: string;
  out?: string;
  quiet: boolean;
  help: boolean;
}

function parseOptions(argv: string[]): Options {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        check: { type: "boolean", default: false },
        model: { type: "string" },
        out: { type: "string" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    return values as Options;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${HELP}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Building in memory
// ---------------------------------------------------------------------------------------------

interface Build {
  readonly modules: readonly GeneratedModule[];
  readonly files: readonly GeneratedFile[];
  readonly seconds: readonly number[];
}

async function build(models: readonly ModelDefinition[], withRegistry: boolean): Promise<Build> {
  const modules: GeneratedModule[] = [];
  const seconds: number[] = [];
  for (const model of [...models].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const start = performance.now();
    modules.push(await generateModule(model));
    seconds.push((performance.now() - start) / 1000);
  }
  const files: GeneratedFile[] = [...modules];
  if (withRegistry) files.push(await generateRegistry(models.map((m) => m.name)));
  return { modules, files, seconds };
}

async function loadModelFile(file: string): Promise<ModelDefinition> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`--model: no such file: ${file}`);
  let loaded: { default?: unknown };
  try {
    loaded = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new UsageError(`--model: could not load ${file}: ${(error as Error).message}`);
  }
  if (!isModelDefinition(loaded.default)) {
    throw new UsageError(`--model: ${file} must have a default export made by defineModel(...)`);
  }
  if (!(loaded.default.loss instanceof Expr)) {
    // Node loaded the file as CommonJS, which gave it its own copy of the generator's modules.
    throw new UsageError(
      `--model: ${file} was loaded as CommonJS, so its expressions come from a second copy of symgrad; ` +
        'name it .mts, or put it under a package.json with "type": "module"',
    );
  }
  return loaded.default;
}

// ---------------------------------------------------------------------------------------------
// Disk
// ---------------------------------------------------------------------------------------------

/**
 * Write each file whose content differs, atomically. Returns the paths written. On failure, the
 * temporary file is removed; files already renamed into place are complete new versions.
 */
export function writeAtomically(dir: string, files: readonly GeneratedFile[]): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const file of files) {
    const target = join(dir, file.path);
    if (existsSync(target) && readFileSync(target, "utf8") === file.content) continue;
    const temporary = join(dir, `.${basename(file.path)}.${process.pid}.tmp`);
    try {
      writeFileSync(temporary, file.content);
      renameSync(temporary, target);
    } finally {
      rmSync(temporary, { force: true });
    }
    written.push(target);
  }
  return written;
}

interface Comparison {
  stale: string[];
  missing: string[];
  extra: string[];
}

function compareWithDisk(dir: string, files: readonly GeneratedFile[]): Comparison {
  const expected = new Set(files.map((f) => f.path));
  const stale: string[] = [];
  const missing: string[] = [];
  for (const f of files) {
    const target = join(dir, f.path);
    if (!existsSync(target)) missing.push(f.path);
    else if (readFileSync(target, "utf8") !== f.content) stale.push(f.path);
  }
  const onDisk = existsSync(dir) ? readdirSync(dir).filter((name) => !name.startsWith(".")) : [];
  const extra = onDisk.filter((name) => !expected.has(name)).sort();
  return { stale, missing, extra };
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ")).join("\n");
}

function report(built: Build): string {
  const rows = [["model", "params", "ops(loss)", "ops(loss+grad)", "ratio", "naive ops", "ops(H·v)", "H·v ratio", "ops(Hessian)", "seconds", "KiB"]];
  built.modules.forEach((m, i) => {
    const { definition, loss, lossAndGradient, hessianVectorProduct, hessian } = m.compiled;
    const naive = naiveGradientOps(definition.loss, definition.params);
    rows.push([
      definition.name,
      String(definition.params.length),
      String(loss.counts.total),
      String(lossAndGradient.counts.total),
      `${(lossAndGradient.counts.total / loss.counts.total).toFixed(2)}×`,
      `${naive.estimated ? "~" : ""}${naive.ops.toLocaleString("en-US")}`,
      String(hessianVectorProduct.counts.total),
      `${(hessianVectorProduct.counts.total / lossAndGradient.counts.total).toFixed(2)}×`,
      hessian ? String(hessian.counts.total) : "–",
      built.seconds[i].toFixed(2),
      (Buffer.byteLength(m.content) / 1024).toFixed(1),
    ]);
  });
  return `${table(rows)}\n(naive ops: the loss and each ∂loss/∂p differentiated and counted separately, without sharing; ~ = extrapolated from 32 parameters;\n H·v ratio: ops(H·v) / ops(loss+grad); Hessian: only up to ${HESSIAN_MAX_PARAMS} parameters)`;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

export async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options.help) {
    console.log(HELP);
    return 0;
  }
  if (options.out !== undefined && options.model === undefined) throw new UsageError("--out goes with --model");
  if (options.model !== undefined) {
    if (options.out === undefined) throw new UsageError("--model needs --out DIR (where to write the module)");
    if (options.check) throw new UsageError("--check applies to the shipped models; it does not take --model");
    const built = await build([await loadModelFile(options.model)], false);
    const written = writeAtomically(resolve(options.out), built.files);
    if (!options.quiet) console.log(`${report(built)}\n${written.length === 0 ? "unchanged" : `wrote ${written.join(", ")}`}`);
    return 0;
  }

  const built = await build(SHIPPED_MODELS, true);
  const where = relative(process.cwd(), GENERATED_DIR) || ".";
  if (options.check) {
    const { stale, missing, extra } = compareWithDisk(GENERATED_DIR, built.files);
    const problems = [
      ...stale.map((f) => `stale:   ${join(where, f)}`),
      ...missing.map((f) => `missing: ${join(where, f)}`),
      ...extra.map((f) => `extra:   ${join(where, f)}`),
    ];
    if (problems.length > 0) {
      console.error(`${problems.join("\n")}\n${where} is out of date: run \`npm run generate\`.`);
      return 1;
    }
    if (!options.quiet) console.log(`${where} is fresh (${built.files.length} files).`);
    return 0;
  }
  const written = writeAtomically(GENERATED_DIR, built.files);
  if (!options.quiet) {
    console.log(report(built));
    console.log(written.length === 0 ? `${where} unchanged.` : `wrote ${written.map((f) => relative(process.cwd(), f)).join(", ")}`);
  }
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`generate: ${error.message}`);
        process.exit(2);
      }
      console.error(`generate: ${(error as Error).stack ?? String(error)}`);
      process.exit(1);
    },
  );
}
