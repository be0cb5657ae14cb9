/**
 * One training run from a resolved config: train, measure, plot, and write every output atomically.
 */
import { join } from "node:path";
import { boundarySpec } from "./boundary.ts";
import { writeFileAtomic } from "./files.ts";
import { evaluate, type Metrics } from "./metrics.ts";
import { lossSpec, renderSvg, scatterSpec } from "./plot.ts";
import type { RunConfig } from "./run-config.ts";
import { train, type TrainResult } from "./train.ts";

export interface RunOutcome {
  result: TrainResult;
  metrics: Metrics;
  seconds: number;
  files: string[];
}

export async function executeRun(
  config: RunConfig,
  onEpoch?: (epoch: number, loss: number) => void,
): Promise<RunOutcome> {
  const { module, data } = config;
  const start = performance.now();
  const result = train(module, data, config.initialParams, {
    lr: config.lr,
    epochs: config.epochs,
    optimizer: config.optimizer,
    batch: config.batch,
    seed: `${config.seed}/batches`,
    tolerance: config.tolerance,
    onEpoch,
  });
  const seconds = (performance.now() - start) / 1000;
  const metrics = evaluate(module, result.params, data);
  // Render everything before writing anything, so a failing plot leaves no partial set of files.
  const outputs = await renderOutputs(config, result, metrics, seconds);
  for (const [path, content] of outputs) writeFileAtomic(path, content);
  return { result, metrics, seconds, files: outputs.map(([path]) => path) };
}

async function renderOutputs(config: RunConfig, result: TrainResult, metrics: Metrics, seconds: number) {
  const { module, data } = config;
  const regression = module.MODEL.task === "regression";
  const quality =
    metrics.accuracy !== undefined
      ? `accuracy ${(100 * metrics.accuracy).toFixed(1)} %`
      : `RMSE ${metrics.rmse?.toPrecision(4)}`;
  const boundary = boundarySpec(module, result.params, data, {
    title: `${module.MODEL.name} on ${data.name}: ${regression ? "predictions" : "decision boundary"}`,
    subtitle: `loss ${metrics.loss.toPrecision(4)} · ${quality} · ${config.optimizer}, lr ${config.lr}, ${result.epochs} epochs`,
  });
  const outputs: [string, string][] = [
    [join(config.out, "data.svg"), await renderSvg(scatterSpec(data, regression))],
    [join(config.out, "boundary.svg"), await renderSvg(boundary)],
    [
      join(config.out, "loss.svg"),
      await renderSvg(lossSpec(result.losses, { log: config.lossScale === "log", finalLoss: result.finalLoss })),
    ],
  ];
  if (config.json)
    outputs.push([config.json, `${JSON.stringify(runJson(config, result, metrics, seconds), null, 2)}\n`]);
  return outputs;
}

const byName = (names: readonly string[], values: Float64Array) =>
  Object.fromEntries(names.map((name, i) => [name, values[i]]));

/** The --json document; the first eleven keys are the schema the issue fixes, the rest add context. */
export function runJson(config: RunConfig, result: TrainResult, metrics: Metrics, seconds: number) {
  const names = config.module.PARAM_NAMES;
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
    seed: config.seed,
    stop: result.stop,
    message: result.message,
    secondOrder: result.secondOrder ?? null,
  };
}
