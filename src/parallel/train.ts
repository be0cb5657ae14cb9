/**
 * `train` with `workers`: data-parallel training on worker threads (Node only; src/train.ts stays free of
 * node: imports for the browser). With workers = 1 (the default) this is src/train.ts's train, unchanged.
 *
 * With N > 1 workers:
 * - the dataset is copied once into shared memory and its rows split into N contiguous, fixed shards;
 * - every loss, gradient and H·v the optimizer asks for is computed by the workers, each calling the
 *   module's batch function on its shard; the main thread adds their sums in worker order and takes the
 *   optimizer step (parallel-model.ts), so a run is bit for bit reproducible for a given N;
 * - a mini-batch is gathered by the main thread exactly as single-threaded (same seeded shuffle), then its
 *   rows are split into N contiguous shards the same way (a batch smaller than N leaves some workers idle);
 * - L-BFGS and Newton work unchanged: they see the same loss, gradient and H·v;
 * - the workers are ended when training returns or throws; a worker's failure is a WorkerError.
 */
import { existsSync } from "node:fs";
import { extname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { GeneratedModel } from "../contract.ts";
import type { Dataset } from "../data.ts";
import { train as trainOnThisThread, trainInSlices as trainInSlicesOnThisThread, type TrainOptions, type TrainResult } from "../train.ts";
import { parallelModel } from "./parallel-model.ts";
import { WorkerError, WorkerPool } from "./pool.ts";
import { MAX_WORKERS } from "./protocol.ts";

export { MAX_WORKERS, WorkerError };

export interface WorkerOptions {
  /**
   * Worker threads that compute each loss and gradient, an integer from 1 to min(rows, 256). 1 (the
   * default) trains on this thread. See the file comment for how rows and mini-batches are split.
   */
  workers?: number;
  /**
   * What the workers import: the URL or path of the generated module being trained (e.g.
   * `new URL("./gen/net.js", import.meta.url)`). Not needed for the models symgrad ships.
   */
  workerModule?: string | URL;
}

export type ParallelTrainOptions = TrainOptions & WorkerOptions;

export function train(model: GeneratedModel, data: Dataset, initialParams: Float64Array, options: ParallelTrainOptions): TrainResult {
  const { workers, workerModule, ...rest } = options;
  if (checkWorkers(workers, data) === 1) return trainOnThisThread(model, data, initialParams, rest);
  const parallel = startWorkers(model, data, workers!, workerModule);
  try {
    return trainOnThisThread(parallel.model, parallel.data, initialParams, rest);
  } finally {
    parallel.close();
  }
}

/** trainInSlices (src/train.ts) with workers: returns to the event loop between slices (for Ctrl-C). */
export async function trainInSlices(
  model: GeneratedModel,
  data: Dataset,
  initialParams: Float64Array,
  options: ParallelTrainOptions,
): Promise<TrainResult> {
  const { workers, workerModule, ...rest } = options;
  if (checkWorkers(workers, data) === 1) return trainInSlicesOnThisThread(model, data, initialParams, rest);
  const parallel = startWorkers(model, data, workers!, workerModule);
  try {
    return await trainInSlicesOnThisThread(parallel.model, parallel.data, initialParams, rest);
  } finally {
    parallel.close();
  }
}

/** The worker count to use; a RangeError naming the option when it is not an integer in 1 … min(rows, 256). */
export function checkWorkers(workers: number | undefined, data: Pick<Dataset, "n">): number {
  if (workers === undefined) return 1;
  const most = Math.min(data.n, MAX_WORKERS);
  if (!(Number.isSafeInteger(workers) && workers >= 1)) throw new RangeError(`workers: expected an integer ≥ 1, got ${workers}`);
  if (workers > most) {
    throw new RangeError(
      workers > data.n
        ? `workers: ${workers} is more than the ${data.n} rows; use at most ${most}`
        : `workers: ${workers} is more than the maximum, ${MAX_WORKERS}`,
    );
  }
  return workers;
}

/**
 * The model and data to train with when N workers compute: the dataset in shared memory (so the workers
 * read it in place) and a model whose loss and gradient the pool computes. `close()` ends the workers.
 */
export function startWorkers(model: GeneratedModel, data: Dataset, count: number, workerModule?: string | URL) {
  const pool = new WorkerPool({ model, moduleUrl: moduleUrlOf(model, workerModule), count, X: data.X, Y: data.Y });
  return {
    model: parallelModel(model, pool),
    data: { ...data, X: pool.X, Y: pool.Y },
    close: () => pool.close(),
  };
}

/**
 * The shipped module of this name, if there is one: generated/ beside src/ (dist/generated beside dist/src
 * in the package). Found by name only; the workers check that its hash is the trained module's.
 */
function shippedModuleUrl(name: string): string | undefined {
  const url = new URL(`../../generated/${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  return /^[A-Za-z0-9_]+$/.test(name) && existsSync(url) ? url.href : undefined;
}

function moduleUrlOf(model: GeneratedModel, workerModule: string | URL | undefined): string {
  if (workerModule instanceof URL) return workerModule.href;
  if (workerModule !== undefined) return /^(file|data):/.test(workerModule) ? workerModule : pathToFileURL(workerModule).href;
  const name = model.MODEL.name;
  const shipped = shippedModuleUrl(name);
  if (shipped !== undefined) return shipped;
  throw new RangeError(
    `workerModule: workers import the module being trained; pass its URL or path (e.g. new URL("./gen/${name}.js", import.meta.url))`,
  );
}
