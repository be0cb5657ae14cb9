/**
 * `symgrad/runtime`: train generated modules in your own code. Nothing here imports the generator,
 * ts-morph or prettier; the generated modules themselves import nothing at all.
 *
 *   import * as net from "./gen/net.js";
 *   import { clusters, randomParams, train, evaluateModel } from "symgrad/runtime";
 *   const data = clusters({ seed: 42 });
 *   const result = train(net, data, randomParams(net.PARAM_NAMES, 42), { optimizer: "adam", lr: 0.05, epochs: 500 });
 */
export type { GeneratedModel, ModelInfo } from "./contract.ts";
export {
  DATASETS, DATASET_TASKS, clusters, threeClusters, xor, moons, circles, wave,
  type Dataset, type DataOptions, type DatasetName,
} from "./data.ts";
export { readCsv, type CsvSpec } from "./csv.ts";
export { createRng, type Rng } from "./rng.ts";
export { initScales, randomParams } from "./init.ts";
export { readParamsFile } from "./params-file.ts";
export { OPTIMIZER_NAMES, createOptimizer, type Optimizer, type OptimizerName, type OptimizerOptions } from "./optimizers.ts";
export type { StopReason, TrainResult } from "./train.ts";
// train() with the `workers` option (data-parallel on worker threads; workers: 1, the default, is src/train.ts).
export {
  train, MAX_WORKERS, WorkerError, type ParallelTrainOptions as TrainOptions, type WorkerOptions,
} from "./parallel/train.ts";
export { lbfgs, type LbfgsOptions } from "./lbfgs.ts";
export { newton, type NewtonOptions } from "./newton.ts";
export { createLineSearch, type LineSearch, type LineSearchOptions, type LineSearchResult } from "./line-search.ts";
export type { Objective, FullBatchOptions, FullBatchResult, FullBatchStats, FullBatchStop } from "./full-batch.ts";
export { datasetObjective } from "./second-order-train.ts";
export {
  evaluate as evaluateModel, predictAll, binaryAccuracy, argmaxAccuracy, rmse, r2, type Metrics,
} from "./metrics.ts";
export { renderSvg, scatterSpec, lossSpec, type ChartSpec } from "./plot.ts";
export { boundarySpec, type BoundaryOptions } from "./boundary.ts";
export { MODELS, MODEL_NAMES, getModel, asGeneratedModel } from "./models.ts";
