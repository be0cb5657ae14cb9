/**
 * The train CLI's flags: one table gives parseArgs its options and --help its text, so the two cannot
 * drift. parseFlags checks every value that can be checked without reading files.
 */
import { parseArgs } from "node:util";
import { DEFAULT_MAX_CSV_BYTES } from "./csv.ts";
import { DATASETS } from "./data.ts";
import { isSecondOrder, OPTIMIZER_NAMES, type OptimizerName } from "./optimizers.ts";
import { MAX_WORKERS } from "./parallel/protocol.ts";
import { MAX_EPOCHS } from "./train.ts";

/** A mistake in the command line: reported with exit code 2 before anything is written. */
export class UsageError extends Error {}

/** The train CLI's exit codes, for scripts to act on; --help and the README list them. */
export const EXIT = { done: 0, numerical: 1, usage: 2, output: 3, interrupted: 130 } as const;

const EXIT_HELP = [
  "Exit codes:",
  "  0    done",
  "  1    numerical failure: the loss, gradient or parameters became non-finite, or the loss diverged",
  "       (the outputs hold the best parameters kept); or a worker thread failed (nothing written)",
  "  2    bad flags or input files (nothing written)",
  "  3    an output could not be written: permission, not a directory, disk full (nothing written)",
  "  130  interrupted by Ctrl-C: stopped after the current epoch, outputs written for the epochs done",
];

interface Flag {
  type: "string" | "boolean";
  /** Shown in --help; undefined means "no default" (the flag is optional). */
  default?: string;
  value?: string;
  /** One-letter alias (-h). */
  short?: string;
  help: string;
}

const DATASET_NAMES = Object.keys(DATASETS);

export const FLAGS = {
  model: { type: "string", default: "seed", value: "NAME", help: "generated model to train" },
  data: {
    type: "string",
    value: `${DATASET_NAMES.join("|")}|FILE.csv`,
    help: "dataset (default: clusters for binary, three-clusters for multiclass, wave for regression models)",
  },
  "max-csv-bytes": {
    type: "string",
    default: String(DEFAULT_MAX_CSV_BYTES),
    value: "N",
    help: "larger CSV files (and anything not a regular file) are refused before reading",
  },
  init: { type: "string", value: "FILE.json", help: "initial parameters by name (default: seeded random)" },
  optimizer: {
    type: "string",
    default: "gd",
    value: OPTIMIZER_NAMES.join("|"),
    help: "update rule; lbfgs and newton are full batch and ignore --lr",
  },
  lr: { type: "string", default: "0.5", value: "RATE", help: "learning rate, finite and > 0" },
  epochs: {
    type: "string",
    default: "2000",
    value: "N",
    help: `passes over the data (lbfgs, newton: maximum iterations), 1 … ${MAX_EPOCHS.toLocaleString("en-US")}; the loss history keeps every epoch up to 10,000, then min/max per bucket`,
  },
  batch: { type: "string", value: "N", help: "mini-batch size ≤ rows, shuffled by --seed (default: full batch)" },
  tolerance: { type: "string", value: "T", help: "stop once the loss changes by ≤ T between epochs (default: off)" },
  workers: {
    type: "string",
    default: "1",
    value: "N",
    help:
      `worker threads, 1 … min(rows, ${MAX_WORKERS}); N > 1 splits the rows (and each mini-batch) into N contiguous fixed ` +
      "shards whose sums are added in worker order, reproducible for a given N; pays off for large datasets",
  },
  l1: { type: "string", default: "0", value: "RATE", help: "L1 penalty rate on the weights (not biases), ≥ 0; the loss includes it" },
  l2: { type: "string", default: "0", value: "RATE", help: "L2 penalty rate (½·rate·Σw²) on the weights, ≥ 0; the loss includes it" },
  seed: { type: "string", default: "42", value: "SEED", help: "seed for data, initial parameters and batch order" },
  out: { type: "string", default: "out/", value: "DIR", help: "where data.svg, boundary.svg and loss.svg go" },
  json: { type: "string", value: "FILE", help: "also write the run (parameters, losses, metrics) as JSON" },
  "loss-scale": { type: "string", default: "log", value: "log|linear", help: "y axis of loss.svg" },
  help: { type: "boolean", short: "h", help: "show this help and exit" },
} satisfies Record<string, Flag>;

export interface Flags {
  model: string;
  data?: string;
  maxCsvBytes: number;
  init?: string;
  optimizer: OptimizerName;
  lr: number;
  epochs: number;
  batch?: number;
  tolerance?: number;
  workers: number;
  l1: number;
  l2: number;
  seed: string;
  out: string;
  json?: string;
  lossScale: "log" | "linear";
  help: boolean;
}

export function helpText(command = "npm run train --"): string {
  const rows = Object.entries(FLAGS).map(([name, flag]: [string, Flag]) => {
    const left = `  ${flag.short ? `-${flag.short}, ` : ""}--${name}${flag.value ? ` ${flag.value}` : ""}`;
    const fallback = flag.default !== undefined ? ` (default: ${flag.default})` : "";
    return `${left}\n      ${flag.help}${fallback}`;
  });
  return [
    `Usage: ${command} [flags]`,
    "",
    "Train a generated model and plot the result.",
    "",
    "Flags:",
    ...rows,
    "",
    ...EXIT_HELP,
  ].join("\n");
}

export function parseFlags(argv: string[]): Flags {
  const values = readArgs(argv);
  const text = (name: keyof typeof FLAGS) => values[name] as string | undefined;
  const optimizer = oneOf("optimizer", text("optimizer")!, OPTIMIZER_NAMES);
  if (isSecondOrder(optimizer) && text("batch") !== undefined) {
    throw new UsageError(`--batch: ${optimizer} is a full-batch method (its line search compares losses over the whole dataset); omit --batch`);
  }
  return {
    model: text("model")!,
    data: checkData(text("data")),
    maxCsvBytes: positiveInteger("max-csv-bytes", text("max-csv-bytes")!),
    init: text("init"),
    optimizer,
    lr: positiveNumber("lr", text("lr")!),
    epochs: positiveInteger("epochs", text("epochs")!, MAX_EPOCHS),
    batch: text("batch") === undefined ? undefined : positiveInteger("batch", text("batch")!),
    tolerance: text("tolerance") === undefined ? undefined : nonNegativeNumber("tolerance", text("tolerance")!),
    workers: positiveInteger("workers", text("workers")!, MAX_WORKERS),
    l1: nonNegativeNumber("l1", text("l1")!),
    l2: nonNegativeNumber("l2", text("l2")!),
    seed: text("seed")!,
    out: text("out")!,
    json: text("json"),
    lossScale: oneOf("loss-scale", text("loss-scale")!, ["log", "linear"] as const),
    help: values.help === true,
  };
}

function readArgs(argv: string[]): Record<string, string | boolean | undefined> {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, flag]: [string, Flag]) => [
      name,
      { type: flag.type, default: flag.default, ...(flag.short ? { short: flag.short } : {}) },
    ]),
  );
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const valid = Object.keys(FLAGS)
      .map((name) => `--${name}`)
      .join(", ");
    throw new UsageError(`${(error as Error).message}\nValid flags: ${valid}`);
  }
}

function checkData(value: string | undefined): string | undefined {
  if (value === undefined || DATASET_NAMES.includes(value) || value.toLowerCase().endsWith(".csv")) return value;
  throw new UsageError(
    `--data: unknown dataset "${value}"; valid: ${DATASET_NAMES.join(", ")}, or a path ending in .csv`,
  );
}

function oneOf<T extends string>(flag: string, value: string, valid: readonly T[]): T {
  if ((valid as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag}: "${value}" is not valid; valid: ${valid.join(", ")}`);
}

/** Number() accepts "", " " and "0x10"; a decimal pattern keeps typos from passing as numbers. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function nonNegativeNumber(flag: string, value: string): number {
  const number = DECIMAL.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(number) || number < 0) {
    throw new UsageError(`--${flag}: "${value}" is not valid; expected a finite number ≥ 0, e.g. 1e-9`);
  }
  return number;
}

function positiveNumber(flag: string, value: string): number {
  const number = DECIMAL.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(number) || number <= 0) {
    throw new UsageError(`--${flag}: "${value}" is not valid; expected a finite number > 0, e.g. 0.5`);
  }
  return number;
}

function positiveInteger(flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const number = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new UsageError(`--${flag}: "${value}" is not valid; expected a positive integer, e.g. 100`);
  }
  if (number > max) {
    throw new UsageError(`--${flag}: ${value} is more than the maximum, ${max.toLocaleString("en-US")}`);
  }
  return number;
}
