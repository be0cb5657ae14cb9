/**
 * symgrad generate [model files or globs...] --out DIR [--check] [--quick] [--watch] [--force] [--quiet]
 *
 * Every file is built in memory first, so a bad model or a clash writes nothing; files are then written
 * atomically and only when their content changed. The output folder is the user's: symgrad overwrites
 * or removes only files whose header says it wrote them from one of this run's model files (or from a
 * model file that no longer exists), and the index.ts registry lists every model module in the folder.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { leftoverTemps, writeFilesAtomic, type WriteHooks } from "../../src/files.ts";
import { UsageError } from "../errors.ts";
import { readConfig, expandInputs, loadModelFiles, CONFIG_FILES, type ModelFile } from "../inputs.ts";
import { checkGeneratorOut, listExisting, portable, projectRoot, REGISTRY_FILE, type ExistingFile } from "../out-dir.ts";
import type { GeneratedFile, GeneratedModule } from "../pipeline.ts";
import type { Formatter, FormatWorker, V8FlagsLater } from "../emit/format.ts";
import type { CompiledModel } from "../compile.ts";
import { folderProblems, modulesFreshness, quickCheck, type FreshModule } from "../freshness.ts";
import { modelStamp } from "../stamp.ts";

export const GENERATE_HELP = `Usage: symgrad generate [MODEL_FILE|GLOB ...] --out DIR [options]

Differentiates each model's loss and writes one flat, zero-import TypeScript module per model into DIR,
with an index.ts registry of every model module there. A model file is any .ts/.mts/.cts/.js file whose
default export is defineModel(...). Without model files, reads symgrad.config.{ts,mts,js,json}:
  export default { models: ["models/*.ts"], out: "src/generated" }

Options:
  --out DIR     where the modules go (required without a config file)
  --check       build in memory and compare with DIR byte for byte; list stale, missing and extra
                files; exit 1 if any differ; write nothing
  --quick       with --check: decide from the stamps in the headers (model sources and generator
                version) without rebuilding; fast, for start-up scripts; CI should use --check alone
  --watch       regenerate whenever a model file or a file it imports changes, and follow the globs:
                new matching files are generated, deleted ones lose their module (Ctrl-C stops)
  --force       overwrite files in DIR that symgrad did not write from these model files, and
                rebuild every module (without it, a module whose stamp matches its model file's
                sources and this generator is kept as it is, and its model file is not run)
  --quiet       print nothing but errors
  -h, --help    show this help

Exit codes: 0 done (or fresh), 1 --check found differences, 2 bad flags or model files,
3 the output folder cannot be written.`;

interface Options {
  readonly inputs: readonly string[];
  readonly out?: string;
  readonly check: boolean;
  readonly quick: boolean;
  readonly watch: boolean;
  readonly force: boolean;
  readonly quiet: boolean;
  readonly help: boolean;
}

function parseOptions(argv: string[]): Options {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        check: { type: "boolean", default: false },
        quick: { type: "boolean", default: false },
        watch: { type: "boolean", default: false },
        force: { type: "boolean", default: false },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    return { ...(values as Omit<Options, "inputs">), inputs: positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${GENERATE_HELP}`);
  }
}

/** The model files and output folder of a run, from the command line or the config file. */
export interface Plan {
  readonly files: readonly string[];
  /** The files and globs `files` was expanded from (absolute; "!" patterns leave files out): --watch re-expands them. */
  readonly patterns: readonly string[];
  readonly out: string;
  /** The project the output folder belongs to: headers name paths relative to it. */
  readonly root: string;
}

export async function resolvePlan(inputs: readonly string[], out: string | undefined, cwd = process.cwd()): Promise<Plan> {
  if (inputs.length === 0) {
    const config = await readConfig(cwd);
    if (config === undefined) {
      throw new UsageError(`no model files given and no ${CONFIG_FILES.join("/")} here\n\n${GENERATE_HELP}`);
    }
    const dir = out === undefined ? config.out : resolve(out);
    checkGeneratorOut(dir);
    return { files: await expandInputs(config.models), patterns: config.models, out: dir, root: projectRoot(dir) };
  }
  if (out === undefined) throw new UsageError("--out DIR is required: where should the modules go?");
  checkGeneratorOut(out);
  const dir = resolve(out);
  const patterns = inputs.map((p) => (p.startsWith("!") ? `!${resolve(p.slice(1))}` : resolve(p)));
  return { files: await expandInputs(inputs), patterns, out: dir, root: projectRoot(dir) };
}

// ---------------------------------------------------------------------------------------------
// Building in memory
// ---------------------------------------------------------------------------------------------

export interface Build {
  readonly modules: readonly GeneratedModule[];
  /** The modules built by this call (the others came from the cache). */
  readonly rebuilt: readonly GeneratedModule[];
  readonly seconds: readonly number[];
  /** Every file the folder should hold: the modules and the registry. */
  readonly files: readonly GeneratedFile[];
  /** symgrad's own files in the folder that no model of this run produces any more. */
  readonly orphans: readonly string[];
}

/** The plan's model files, loaded one by one as they are asked for (inputs.ts: loadModelFiles). */
export function loadModels(plan: Plan): AsyncIterable<ModelFile> {
  return loadModelFiles(plan.files, (file) => portable(process.cwd(), file));
}

function refuseNameClashes(plan: Plan, models: readonly ModelFile[]): void {
  const byName = new Map<string, ModelFile>();
  for (const m of models) {
    const other = byName.get(m.model.name);
    const where = (f: ModelFile) => portable(plan.root, f.file);
    if (other) throw new UsageError(`model name "${m.model.name}" is defined by both ${where(other)} and ${where(m)}`);
    byName.set(m.model.name, m);
  }
}

interface BuiltModule {
  readonly module: GeneratedModule;
  readonly rebuilt: boolean;
  /** This thread's time (differentiating, building structures) plus the printing and formatting time. */
  readonly seconds: number;
}

const nameOf = (b: BuiltModule) => b.module.compiled.definition.name;

/**
 * Build every model's module and the registry, writing nothing. `models` may come one by one (from
 * loadModels): each is built as it comes, and the checks that need all of them (name clashes, files
 * that may not be overwritten) run before anything is returned. `cache` (stamp → module) lets --watch
 * rebuild only the models whose sources changed: the same stamp means the same sources and generator,
 * so the same text.
 * `format` prints (ts-morph) and formats (prettier), in this thread unless the caller hands a worker
 * thread's (FormatWorker);
 * `whileFormatting` is work for this thread while it waits for the formatter (the report's counts).
 */
export async function buildAll(
  plan: Plan,
  modelFiles: Iterable<ModelFile> | AsyncIterable<ModelFile>,
  force: boolean,
  cache?: Map<string, GeneratedModule>,
  kept: readonly FreshModule[] = [],
  format?: Formatter,
  whileFormatting?: (compiled: readonly CompiledModel[]) => void,
): Promise<Build> {
  // Imported here, not at the top: the quick check and --help need none of the generator (and this
  // thread needs no ts-morph or prettier when a worker prints and formats).
  const { emitModelModule, finishModule, generateRegistry } = await import("../pipeline.ts");
  const formatter = format ?? (await import("../emit/format.ts")).formatInThisThread;
  const existing = listExisting(plan.out);

  // Each module is differentiated and printed here, in turn, and handed to the formatter at once: on
  // a worker thread, ts-morph and prettier print and format one module while this thread loads and
  // works on the next.
  const models: ModelFile[] = [];
  const jobs: Promise<BuiltModule>[] = [];
  const emitted: CompiledModel[] = [];
  try {
    for await (const m of modelFiles) {
      models.push(m);
      const start = performance.now();
      const provenance = {
        source: portable(plan.root, m.file),
        out: portable(plan.root, plan.out),
        stamp: modelStamp(m.inputs, plan.root),
      };
      const cached = cache?.get(provenance.stamp);
      if (cached) {
        jobs.push(Promise.resolve({ module: cached, rebuilt: false, seconds: (performance.now() - start) / 1000 }));
        continue;
      }
      const unformatted = emitModelModule(m.model, undefined, provenance);
      emitted.push(unformatted.compiled);
      const ownSeconds = (performance.now() - start) / 1000;
      const job = formatter(unformatted.structure).then(({ text, seconds }) => {
        const module = finishModule(unformatted, text);
        cache?.set(provenance.stamp, module);
        return { module, rebuilt: true, seconds: ownSeconds + seconds };
      });
      jobs.push(job);
    }
    refuseNameClashes(plan, models);
    refuseOverwrites(plan, models, existing, force);
  } catch (error) {
    // The modules already handed to the formatter are not wanted any more, nor are their failures.
    for (const job of jobs) job.catch(() => undefined);
    throw error;
  }
  whileFormatting?.(emitted);
  // Modules in name order, whichever order their files were loaded in.
  const built = (await Promise.all(jobs)).sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : 1));
  const modules = built.map((b) => b.module);
  const rebuilt = built.filter((b) => b.rebuilt).map((b) => b.module);
  const seconds = built.map((b) => b.seconds);
  const keptFiles = kept.map((k) => ({ path: k.path, content: k.content }));
  const { others, orphans } = otherModules(plan, models, kept, existing);
  const names = [...modules.map((m) => m.compiled.definition.name), ...[...kept.map((k) => k.path), ...others].map((file) => file.slice(0, -3))];
  const files = [...modules, ...keptFiles, await generateRegistry(names, formatter)];
  return { modules, rebuilt, seconds, orphans, files };
}

/** The modules of the run's model files that are fresh by their stamps (moduleFreshness), in the plan's order. */
async function freshModules(plan: Plan): Promise<FreshModule[]> {
  const verdicts = await modulesFreshness(plan, listExisting(plan.out));
  return verdicts.filter((verdict): verdict is FreshModule => typeof verdict !== "string");
}

/**
 * The generated model modules in the folder that this run does not produce. They stay (and stay in the
 * registry) unless they are orphans: their model file is gone, or is one of this run's and now
 * produces another name.
 */
function otherModules(plan: Plan, models: readonly ModelFile[], kept: readonly FreshModule[], existing: readonly ExistingFile[]) {
  const produced = new Set([...models.map((m) => `${m.model.name}.ts`), ...kept.map((k) => k.path)]);
  const sources = new Set([...models.map((m) => m.file), ...kept.map((k) => k.modelFile)].map((f) => portable(plan.root, f)));
  const others: string[] = [];
  const orphans: string[] = [];
  for (const e of existing) {
    if (!e.generated || e.source === undefined || produced.has(e.file)) continue;
    const orphaned = sources.has(e.source) || !existsSync(resolve(plan.root, e.source));
    (orphaned ? orphans : others).push(e.file);
  }
  return { others, orphans };
}

/** A module may replace only a file symgrad wrote from the same model file (or anything, with --force). */
function refuseOverwrites(plan: Plan, models: readonly ModelFile[], existing: readonly ExistingFile[], force: boolean) {
  if (force) return;
  const byFile = new Map(existing.map((e) => [e.file, e]));
  for (const m of models) {
    const file = `${m.model.name}.ts`;
    const there = byFile.get(file);
    if (there === undefined) continue;
    const source = portable(plan.root, m.file);
    const where = portable(process.cwd(), join(plan.out, file));
    if (!there.generated) {
      throw new UsageError(`${where} exists and was not written by symgrad; refusing to overwrite it (--force to replace)`);
    }
    if (there.source !== source) {
      throw new UsageError(
        `${where} was generated from ${there.source ?? "another model file"}, not ${source}: two models named ` +
          `"${m.model.name}"? (--force to replace)`,
      );
    }
  }
  const registry = byFile.get(REGISTRY_FILE);
  if (registry && !registry.generated) {
    throw new UsageError(`${portable(process.cwd(), join(plan.out, REGISTRY_FILE))} exists and was not written by symgrad (--force to replace)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Comparing and writing
// ---------------------------------------------------------------------------------------------

export interface Differences {
  readonly stale: readonly string[];
  readonly missing: readonly string[];
  /** symgrad's files that should not be there: orphaned modules and temporaries left by a killed run. */
  readonly extra: readonly string[];
}

export function compareWithDisk(dir: string, built: Build): Differences {
  const stale: string[] = [];
  const missing: string[] = [];
  for (const f of built.files) {
    const target = join(dir, f.path);
    if (!existsSync(target)) missing.push(f.path);
    else if (readFileSync(target, "utf8") !== f.content) stale.push(f.path); // every byte, line endings too
  }
  return { stale, missing, extra: [...built.orphans, ...leftoverTemps(dir)].sort() };
}

export const isFresh = (d: Differences) => d.stale.length + d.missing.length + d.extra.length === 0;

export function describeDifferences(dir: string, d: Differences): string {
  const where = (f: string) => portable(process.cwd(), join(dir, f));
  return [
    ...d.stale.map((f) => `stale:   ${where(f)}`),
    ...d.missing.map((f) => `missing: ${where(f)}`),
    ...d.extra.map((f) => `extra:   ${where(f)}`),
  ].join("\n");
}

/**
 * Write what changed, all files or none (src/files.ts: temporaries first, then the renames), then remove
 * orphans and dead temporaries; returns what was done, for the report.
 */
export function writeBuild(dir: string, built: Build, hooks?: WriteHooks): { written: string[]; removed: string[] } {
  const changed = built.files.filter((f) => {
    const target = join(dir, f.path);
    return !existsSync(target) || readFileSync(target, "utf8") !== f.content;
  });
  writeFilesAtomic(changed.map((f) => [join(dir, f.path), f.content] as const), hooks);
  const removed = [...built.orphans, ...leftoverTemps(dir)];
  for (const f of removed) rmSync(join(dir, f), { force: true });
  return { written: changed.map((f) => f.path), removed };
}

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

/**
 * V8 optimizes a function (TurboFan, on background threads) once it has run through its "interrupt
 * budget" of bytecode. In a rebuild of a few seconds, with V8's default budget (66 KB in Node 20), those
 * compiles took ~2.4 s of CPU on this 2-core machine: prettier, ts-morph and the generator each tier up
 * soon after they load, on the cores the two working threads need. With 8× the budget they took ~1 s and
 * the rebuild ~0.4–0.5 s less (README, "Wide models"). A long run is another matter: a 20 000-deep chain
 * took 49 s instead of 45 s with the larger budget throughout. So the budget is raised for the first
 * WARM_UP_MS of the process only, and the printing worker (whose event loop is free even while this
 * thread differentiates one large model for a minute) sets V8's default back. V8's flags are the
 * process's, for every thread.
 */
const WARM_UP_INTERRUPT_BUDGET = 8 * 66 * 1024;
const DEFAULT_INTERRUPT_BUDGET = 66 * 1024;
const WARM_UP_MS = 2500;
/** The V8 whose default budget (66 KB) the values above were measured against: Node 20's. */
const MEASURED_V8 = "11.3.";

/**
 * Whether a run raises the budget while it warms up: only on the V8 it was measured on (another V8 has
 * its own default, which "setting the default back" would not restore, and its own tiering), and not
 * when the user chose a budget (`node --interrupt-budget=…`; NODE_OPTIONS refuses it), which a run keeps.
 */
export function warmUpBudgetApplies(v8Version: string, nodeFlags: readonly string[]): boolean {
  return v8Version.startsWith(MEASURED_V8) && !nodeFlags.some((flag) => /--interrupt[-_]budget/.test(flag));
}

/** The flags set now (which the printing worker's code cache is kept per) and those to set after the warm-up. */
function raiseInterruptBudgetForWarmUp(): { now: string; later: V8FlagsLater } | undefined {
  if (!warmUpBudgetApplies(process.versions.v8, process.execArgv)) return undefined;
  const now = `--interrupt-budget=${WARM_UP_INTERRUPT_BUDGET}`;
  setFlagsFromString(now);
  return { now, later: { flags: `--interrupt-budget=${DEFAULT_INTERRUPT_BUDGET}`, atEpochMs: performance.timeOrigin + WARM_UP_MS } };
}

export async function generateCommand(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options.help) {
    console.log(GENERATE_HELP);
    return 0;
  }
  if (options.quick && !options.check) throw new UsageError("--quick goes with --check");
  if (options.check && options.watch) throw new UsageError("--check and --watch do not go together");
  // --watch runs for hours: V8's default suits it. (Other runs start their printing worker, which sets
  // the default back, whenever they rebuild anything; a run that rebuilds nothing ends at once.)
  const afterWarmUp = options.watch || options.quick ? undefined : raiseInterruptBudgetForWarmUp();
  // A run that rebuilds every model starts its printing worker first: loading ts-morph and prettier takes
  // the worker ~1 s, which it spends while this thread reads the plan, loads the generator and runs the
  // model files. (Other runs start it only once they know that some module must be rebuilt.)
  const rebuildsEverything = (options.force || options.check) && !options.quick && !options.watch;
  const { FormatWorker } = await import("../emit/format.ts");
  const startWorker = () => new FormatWorker({ v8FlagsSet: afterWarmUp?.now, flagsLater: afterWarmUp?.later });
  const early = rebuildsEverything ? startWorker() : undefined;
  try {
    return await generate(options, () => early ?? startWorker());
  } finally {
    await early?.close();
  }
}

async function generate(options: Options, startFormatWorker: () => FormatWorker): Promise<number> {
  const plan = await resolvePlan(options.inputs, options.out);
  const shown = portable(process.cwd(), plan.out);

  if (options.check && options.quick) {
    const problems = await quickCheck(plan);
    if (problems.length > 0) {
      console.error(`${problems.join("\n")}\n${shown} is out of date: run \`symgrad generate\`.`);
      return 1;
    }
    if (!options.quiet) console.log(`${shown} is fresh (by stamp, ${plan.files.length} models).`);
    return 0;
  }
  if (options.watch) return (await import("./watch.ts")).watchModels(plan, options);
  // Without --force, a module whose header stamp matches its model file's current sources and this
  // generator is what a rebuild would write: it is kept as it is, and its model file is not even run.
  const kept = options.check || options.force ? [] : await freshModules(plan);
  if (kept.length === plan.files.length && folderProblems(plan, listExisting(plan.out)).length === 0) {
    if (!options.quiet) console.log(`${shown} unchanged (each module's stamp matches its model's sources; --force rebuilds).`);
    return 0;
  }
  const keptFiles = new Set(kept.map((k) => k.modelFile));
  // ts-morph and prettier load on their own thread (if not already), while the model files load and run.
  const formatWorker = startFormatWorker();
  let built: Build;
  // The generator's core (which report.ts imports) loads once the worker is on its way.
  const { naiveCount, report } = await import("./report.ts");
  try {
    const models = loadModels({ ...plan, files: plan.files.filter((f) => !keptFiles.has(f)) });
    const countForReport = (compiled: readonly CompiledModel[]) => {
      if (!options.quiet && !options.check) for (const c of compiled) naiveCount(c);
    };
    built = await buildAll(plan, models, options.force, undefined, kept, formatWorker.format, countForReport);
  } finally {
    await formatWorker.close();
  }
  if (options.check) {
    const differences = compareWithDisk(plan.out, built);
    if (!isFresh(differences)) {
      console.error(`${describeDifferences(plan.out, differences)}\n${shown} is out of date: run \`symgrad generate\`.`);
      return 1;
    }
    if (!options.quiet) console.log(`${shown} is fresh (${built.files.length} files).`);
    return 0;
  }
  const { written, removed } = writeBuild(plan.out, built);
  if (!options.quiet) {
    if (built.modules.length > 0) console.log(report(built));
    if (kept.length > 0) console.log(`kept ${kept.map((k) => k.path.slice(0, -3)).join(", ")} (stamps match their model files; --force rebuilds)`);
    for (const f of removed) console.log(`removed ${portable(process.cwd(), join(plan.out, f))} (no model produces it any more)`);
    console.log(written.length === 0 ? `${shown} unchanged.` : `wrote ${written.map((f) => portable(process.cwd(), join(plan.out, f))).join(", ")}`);
  }
  return 0;
}
