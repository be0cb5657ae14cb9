/**
 * Turns checked flags into everything a run needs (model, data, initial parameters), reading the CSV and
 * init files. Every problem is a UsageError, raised before any output is written.
 */
import { resolve, join } from "node:path";
import type { GeneratedModel } from "./contract.ts";
import { readCsv } from "./csv.ts";
import { checkOutputDir, checkOutputFile } from "./files.ts";
import { DATASETS, DATASET_TASKS, type Dataset, type DatasetName } from "./data.ts";
import { randomParams } from "./init.ts";
import { readParamsFile } from "./params-file.ts";
import { UsageError, type Flags } from "./options.ts";

export interface RunConfig extends Omit<Flags, "help" | "data" | "init" | "maxCsvBytes"> {
  model: string;
  module: GeneratedModel;
  data: Dataset;
  initialParams: Float64Array;
  /** Where the initial parameters came from, for the summary. */
  initSource: string;
  /** What worker threads import to train this module (--workers > 1); undefined: the shipped module. */
  moduleUrl?: string;
}

export interface Registry {
  names: readonly string[];
  get(name: string): GeneratedModel | undefined;
  /** The URL worker threads import for this model (a user's module file); omitted for shipped models. */
  moduleUrl?(name: string): string | undefined;
}

/** The dataset a model trains on when --data is not given. */
const DEFAULT_DATA: Record<GeneratedModel["MODEL"]["task"], DatasetName> = {
  binary: "clusters",
  multiclass: "three-clusters",
  regression: "wave",
};

/** The plots a run writes into --out, in the order they are written. */
export const PLOT_FILES = ["data.svg", "boundary.svg", "loss.svg"] as const;

/** Every file a run writes: the plots, then the JSON if asked for. */
export function outputPaths({ out, json }: { out: string; json?: string }): string[] {
  return [...PLOT_FILES.map((name) => join(out, name)), ...(json === undefined ? [] : [json])];
}

/**
 * Checks every output path before any work: an empty or clashing path is a usage error (exit 2); a path
 * the file system would refuse (not a directory, read-only, no permission) is an OutputError (exit 3).
 */
export function checkOutputs(flags: Pick<Flags, "out" | "json">): void {
  if (flags.out === "") throw new UsageError(`--out: the directory must not be empty; e.g. --out out/`);
  if (flags.json === "") throw new UsageError(`--json: the file name must not be empty; e.g. --json run.json`);
  const plots = outputPaths({ out: flags.out });
  if (flags.json !== undefined && plots.some((plot) => resolve(plot) === resolve(flags.json!))) {
    throw new UsageError(`--json: ${flags.json} is one of the plots written to --out; pick another file name`);
  }
  checkOutputDir("--out", flags.out);
  for (const plot of plots) checkOutputFile("--out", plot);
  if (flags.json !== undefined) checkOutputFile("--json", flags.json);
}

export async function resolveRun(flags: Flags, registry: Registry): Promise<RunConfig> {
  checkOutputs(flags);
  const module = registry.get(flags.model);
  if (!module) throw new UsageError(`--model: unknown model "${flags.model}"; valid: ${registry.names.join(", ")}`);
  const data = await loadData(flags.data ?? DEFAULT_DATA[module.MODEL.task], flags, module);
  checkFits(data, module, flags.data);
  if (flags.batch !== undefined && flags.batch > data.n) {
    throw new UsageError(
      `--batch: ${flags.batch} is larger than the ${data.n} rows of ${data.name}; valid: 1 … ${data.n}`,
    );
  }
  if (flags.workers > data.n) {
    throw new UsageError(`--workers: ${flags.workers} is more than the ${data.n} rows of ${data.name}; valid: 1 … ${data.n}`);
  }
  const { initialParams, initSource } = loadInit(flags, module);
  const { help: _help, data: _data, init: _init, maxCsvBytes: _maxCsvBytes, ...rest } = flags;
  return { ...rest, module, data, initialParams, initSource, moduleUrl: registry.moduleUrl?.(flags.model) };
}

async function loadData(name: string, flags: Flags, module: GeneratedModel): Promise<Dataset> {
  if (Object.hasOwn(DATASETS, name)) return DATASETS[name as DatasetName]({ seed: flags.seed });
  try {
    const spec = { inputNames: module.INPUT_NAMES, targetNames: module.TARGET_NAMES, task: module.MODEL.task };
    return await readCsv(name, spec, { maxBytes: flags.maxCsvBytes });
  } catch (error) {
    throw new UsageError(`--data: ${(error as Error).message}`);
  }
}

/** A built-in dataset must be made for the model's task and have the columns it reads. */
function checkFits(data: Dataset, module: GeneratedModel, requested: string | undefined): void {
  if (requested === undefined || !Object.hasOwn(DATASETS, requested)) return; // CSV columns were picked by name
  const fits = (name: DatasetName) => {
    const sample = DATASETS[name]({ n: 1 });
    return (
      DATASET_TASKS[name] === module.MODEL.task &&
      same(sample.inputNames, module.INPUT_NAMES) &&
      same(sample.targetNames, module.TARGET_NAMES)
    );
  };
  if (fits(requested as DatasetName)) return;
  const valid = (Object.keys(DATASETS) as DatasetName[]).filter(fits);
  throw new UsageError(
    `--data: ${requested} is a ${DATASET_TASKS[requested as DatasetName]} dataset with targets (${data.targetNames.join(", ")}), ` +
      `but model ${module.MODEL.name} is ${module.MODEL.task} with targets (${module.TARGET_NAMES.join(", ")}); ` +
      `valid for this model: ${[...valid, "FILE.csv"].join(", ")}`,
  );
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function loadInit(flags: Flags, module: GeneratedModel): { initialParams: Float64Array; initSource: string } {
  if (flags.init === undefined) {
    // A seed string of its own, so parameters are not the same draws as the data's first points.
    return {
      initialParams: randomParams(module.PARAM_NAMES, `${flags.seed}/init`),
      initSource: `seeded (${flags.seed})`,
    };
  }
  try {
    return { initialParams: readParamsFile(flags.init, module.PARAM_NAMES), initSource: flags.init };
  } catch (error) {
    throw new UsageError(`--init: ${(error as Error).message}`);
  }
}
