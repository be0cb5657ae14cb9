/**
 * One training run from a resolved config: train, measure, plot, and write every output atomically.
 */
import { boundarySpec } from "./boundary.ts";
import { removeStaleTemps, writeFilesAtomic } from "./files.ts";
import { evaluate, type Metrics } from "./metrics.ts";
import { lossSpec, renderSvg, scatterSpec } from "./plot.ts";
import { outputPaths, type RunConfig } from "./run-config.ts";
import { trainInSlices } from "./parallel/train.ts";
import type { TrainResult } from "./train.ts";

export interface RunOutcome {
  result: TrainResult;
  metrics: Metrics;
  seconds: number;
  files: string[];
}

export interface RunHooks {
  onEpoch?: (epoch: number, loss: number) => void;
  /** Checked after every epoch; true stops the run there and writes what is done (Ctrl-C). */
  shouldStop?: () => boolean;
}

export async function executeRun(config: RunConfig, hooks: RunHooks = {}): Promise<RunOutcome> {
  const { module, data } = config;
  const start = performance.now();
  const result = await trainInSlices(module, data, config.initialParams, {
    lr: config.lr,
    epochs: config.epochs,
    optimizer: config.optimizer,
    batch: config.batch,
    seed: `${config.seed}/batches`,
    tolerance: config.tolerance,
    l1: config.l1,
    l2: config.l2,
    workers: config.workers,
    workerModule: config.moduleUrl,
    onEpoch: hooks.onEpoch,
    shouldStop: hooks.shouldStop,
  });
  const seconds = (performance.now() - start) / 1000;
  const metrics = evaluate(module, result.params, data);
  // Render everything before writing anything, so a failing plot leaves no partial set of files.
  const outputs = await renderOutputs(config, result, metrics, seconds);
  removeStaleTemps(outputs.map(([path]) => path));
  writeFilesAtomic(outputs);
  return { result, metrics, seconds, files: outputs.map(([path]) => path) };
}

/** The batch size as the title and subtitle say it. */
export function batchLabel(config: Pick<RunConfig, "batch" | "data">): string {
  return config.batch === undefined || config.batch >= config.data.n ? "full batch" : `batches of ${config.batch}`;
}

async function renderOutputs(
  config: RunConfig,
  result: TrainResult,
  metrics: Metrics,
  seconds: number,
): Promise<[string, string][]> {
  const { module, data } = config;
  const regression = module.MODEL.task === "regression";
  const quality =
    metrics.accuracy !== undefined
      ? `accuracy ${(100 * metrics.accuracy).toFixed(1)} %`
      : `RMSE ${metrics.rmse?.toPrecision(4)}`;
  const boundary = boundarySpec(module, result.params, data, {
    title: `${module.MODEL.name} on ${data.name}: ${regression ? "predictions" : "decision boundary"} (${batchLabel(config)})`,
    subtitle: `loss ${metrics.loss.toPrecision(4)} · ${quality} · ${config.optimizer}, lr ${config.lr}, ${result.epochs} epochs`,
    seed: config.seed,
  });
  const loss = lossSpec(result.losses, {
    log: config.lossScale === "log",
    finalLoss: result.finalLoss,
    every: result.lossEvery,
  });
  const [dataPlot, boundaryPlot, lossPlot, json] = outputPaths(config);
  const outputs: [string, string][] = [
    [dataPlot, await renderSvg(scatterSpec(data, regression, config.seed))],
    [boundaryPlot, await renderSvg(boundary)],
    [lossPlot, await renderSvg(loss)],
  ];
  if (json !== undefined) outputs.push([json, runJsonText(config, result, metrics, seconds)]);
  return outputs;
}

const byName = (names: readonly string[], values: Float64Array) =>
  Object.fromEntries(names.map((name, i) => [name, values[i]]));

/** The --json document; the first eleven keys are the schema the issue fixes, the rest add context. */
export function runJson(config: RunConfig, result: TrainResult, metrics: Metrics, seconds: number) {
  const names = config.module.PARAM_NAMES;
  const downsampled = result.lossEvery > 1;
  return {
    model: config.module.MODEL.name,
    paramNames: [...names],
    params: byName(names, result.params),
    initialParams: byName(names, result.initialParams),
    losses: Array.from(result.losses),
    finalLoss: result.finalLoss,
    accuracy: metrics.accuracy ?? null,
    epochs: result.epochs,
    lr: config.lr,
    optimizer: config.optimizer,
    seconds,
    rmse: metrics.rmse ?? null,
    r2: metrics.r2 ?? null,
    data: config.data.name,
    rows: config.data.n,
    batch: config.batch ?? null,
    workers: config.workers,
    l1: config.l1,
    l2: config.l2,
    seed: config.seed,
    stop: result.stop,
    message: result.message,
    ...(result.secondOrder ? { secondOrder: result.secondOrder } : {}), // lbfgs / newton only
    interrupted: result.stop === "interrupted",
    // losses[k] is the loss at the start of epoch k·lossEvery; past 10,000 epochs buckets of lossEvery
    // epochs also give their lowest and highest loss.
    lossEvery: result.lossEvery,
    ...(downsampled ? { lossMin: Array.from(result.lossMin), lossMax: Array.from(result.lossMax) } : {}),
  };
}

/**
 * JSON has no Infinity or NaN (JSON.stringify writes null); a number that is not finite is written as
 * the string "Infinity", "-Infinity" or "NaN", so no documented number ever reads as null.
 */
export function runJsonText(config: RunConfig, result: TrainResult, metrics: Metrics, seconds: number): string {
  const nonFiniteAsString = (_key: string, value: unknown) =>
    typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
  return `${JSON.stringify(runJson(config, result, metrics, seconds), nonFiniteAsString, 2)}\n`;
}
