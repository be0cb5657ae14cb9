/**
 * The training loop: full-batch or seeded mini-batch epochs with any optimizer, an optional tolerance on the
 * loss change, and a guard that stops on the first non-finite loss, gradient or parameter and returns the
 * last parameters whose loss was finite. All buffers are made before the first epoch; the loop itself allocates nothing.
 */
import type { GeneratedModel } from "./contract.ts";
import type { Dataset } from "./data.ts";
import { createOptimizer, isSecondOrder, type OptimizerName } from "./optimizers.ts";
import { trainSecondOrder, type FullBatchStats } from "./second-order-train.ts";
import { createRng } from "./rng.ts";

export interface TrainOptions {
  lr: number;
  epochs: number;
  optimizer?: OptimizerName;
  /** Rows per mini-batch; omitted or ≥ n means full batch. */
  batch?: number;
  /** Seeds the mini-batch shuffling. */
  seed?: string | number;
  /** Stop once |loss(e) − loss(e−1)| ≤ tolerance. */
  tolerance?: number;
  /** Called at the start of every epoch with the loss before its update (for progress display). */
  onEpoch?: (epoch: number, loss: number) => void;
}

export type StopReason = "epochs" | "tolerance" | "non-finite";

export interface TrainResult {
  params: Float64Array;
  initialParams: Float64Array;
  /** losses[e] = mean loss over the whole dataset at the start of epoch e, before its update. */
  losses: Float64Array;
  /** Mean loss over the whole dataset after the last update that was kept. */
  finalLoss: number;
  /** Epochs completed by the returned params (= losses.length); after a non-finite stop, fewer than asked. */
  epochs: number;
  stop: StopReason;
  /** Why training stopped early, in words (names the epoch); empty when all epochs ran. */
  message: string;
  /** lbfgs and newton: iterations (= epochs), evaluations and the final gradient norm. */
  secondOrder?: FullBatchStats;
}

/** One epoch's worth of updates; returns a message when something went non-finite, else "". */
type Epoch = (epoch: number) => string;

type Step = (params: Float64Array, grad: Float64Array) => void;

export function train(
  model: GeneratedModel,
  data: Dataset,
  initialParams: Float64Array,
  options: TrainOptions,
): TrainResult {
  checkOptions(model, initialParams, options);
  const { lr, epochs, optimizer = "gd", batch, seed = 42, tolerance, onEpoch } = options;
  if (isSecondOrder(optimizer)) return trainFullBatch(model, data, initialParams, options);
  const params = Float64Array.from(initialParams);
  const losses = new Float64Array(epochs);
  const step = createOptimizer(optimizer, params.length, { lr });
  const guard = createGuard(params, step.step);
  const fullBatch = batch === undefined || batch >= data.n;
  const runEpoch = fullBatch
    ? fullBatchEpoch(model, data, params, losses, guard)
    : miniBatchEpoch(model, data, params, losses, guard, batch, seed);
  const finish = (completed: number, stop: StopReason, message: string): TrainResult => ({
    params,
    initialParams: Float64Array.from(initialParams),
    losses: losses.slice(0, completed),
    finalLoss: model.loss(params, data.X, data.Y),
    epochs: completed,
    stop,
    message,
  });

  for (let e = 0; e < epochs; e++) {
    const problem = runEpoch(e);
    onEpoch?.(e, losses[e]);
    if (problem) return finish(guard.keptEpochs(), "non-finite", problem);
    if (tolerance !== undefined && e > 0 && Math.abs(losses[e] - losses[e - 1]) <= tolerance) {
      // losses[e] was measured before epoch e's update, so stopping here keeps that update.
      return finish(e + 1, "tolerance", `loss changed by ≤ ${tolerance} at epoch ${e}`);
    }
  }
  return finish(epochs, "epochs", "");
}

/** lbfgs / newton: full batch only (their line search and trust region compare losses of one function). */
function trainFullBatch(model: GeneratedModel, data: Dataset, initialParams: Float64Array, options: TrainOptions): TrainResult {
  const { optimizer = "gd", batch, epochs, tolerance, onEpoch } = options;
  if (batch !== undefined && batch < data.n) {
    throw new RangeError(`batch: ${optimizer} is a full-batch method; omit batch (got ${batch} of ${data.n} rows)`);
  }
  const run = trainSecondOrder(model, data, initialParams, { optimizer: optimizer as "lbfgs" | "newton", epochs, tolerance, onEpoch });
  const { x, loss, losses, ...stats } = run;
  const stop = run.stop === "iterations" ? "epochs" : run.stop === "non-finite" ? "non-finite" : "tolerance";
  return {
    params: x,
    initialParams: Float64Array.from(initialParams),
    losses: Float64Array.from(losses),
    finalLoss: loss,
    epochs: run.iterations,
    stop,
    message: stop === "epochs" ? "" : run.message,
    secondOrder: stats,
  };
}

/** Library callers skip the CLI's flag checks, so the boundary checks again, naming the option. */
function checkOptions(model: GeneratedModel, initialParams: Float64Array, { lr, epochs, batch }: TrainOptions): void {
  if (initialParams.length !== model.MODEL.params) {
    throw new RangeError(
      `initialParams: expected ${model.MODEL.params} values (${model.MODEL.name}), got ${initialParams.length}`,
    );
  }
  if (!(Number.isFinite(lr) && lr > 0)) throw new RangeError(`lr: expected a finite number > 0, got ${lr}`);
  if (!(Number.isSafeInteger(epochs) && epochs > 0))
    throw new RangeError(`epochs: expected a positive integer, got ${epochs}`);
  if (batch !== undefined && !(Number.isSafeInteger(batch) && batch > 0)) {
    throw new RangeError(`batch: expected a positive integer, got ${batch}`);
  }
}

/**
 * The seed's loop: one gradient of the mean loss over all rows, one update. The loss it returns is the
 * loss at the start of the epoch, so it doubles as losses[e].
 */
function fullBatchEpoch(
  model: GeneratedModel,
  data: Dataset,
  params: Float64Array,
  losses: Float64Array,
  guard: Guard,
): Epoch {
  const grad = new Float64Array(params.length);
  return (e) => {
    losses[e] = model.lossAndGradient(params, data.X, data.Y, grad);
    return guard.start(e, losses[e]) || guard.step(e, losses[e], grad);
  };
}

/** Seeded shuffle each epoch, then one update per batch of rows gathered into preallocated buffers. */
function miniBatchEpoch(
  model: GeneratedModel,
  data: Dataset,
  params: Float64Array,
  losses: Float64Array,
  guard: Guard,
  batch: number,
  seed: string | number,
): Epoch {
  const { X, Y, n } = data;
  const inputs = X.length / n;
  const targets = Y.length / n;
  const rng = createRng(seed);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const grad = new Float64Array(params.length);
  const bx = new Float64Array(batch * inputs);
  const by = new Float64Array(batch * targets);
  // The last batch of an epoch may be short; its views are made once here, not per epoch.
  const tail = n % batch;
  const tailX = bx.subarray(0, tail * inputs);
  const tailY = by.subarray(0, tail * targets);

  return (e) => {
    losses[e] = model.loss(params, X, Y);
    const problem = guard.start(e, losses[e]);
    if (problem) return problem;
    rng.shuffle(order);
    for (let start = 0; start < n; start += batch) {
      const size = Math.min(batch, n - start);
      for (let r = 0; r < size; r++) {
        copyRow(X, order[start + r], bx, r, inputs);
        copyRow(Y, order[start + r], by, r, targets);
      }
      const full = size === batch;
      const loss = model.lossAndGradient(params, full ? bx : tailX, full ? by : tailY, grad);
      const problem = guard.step(e, loss, grad);
      if (problem) return problem;
    }
    return "";
  };
}

/** Copies row `from` of a row-major array into row `to` of another (no subarray views: they allocate). */
function copyRow(source: Float64Array, from: number, target: Float64Array, to: number, width: number): void {
  for (let k = 0; k < width; k++) target[to * width + k] = source[from * width + k];
}

interface Guard {
  /** At the start of epoch e: a finite loss saves a checkpoint; a non-finite one restores the previous. */
  start(epoch: number, loss: number): string;
  /** One optimizer step, refused on a non-finite loss or gradient; any failure restores the checkpoint. */
  step(epoch: number, loss: number, grad: Float64Array): string;
  /** Epochs completed by the parameters now held (= how many losses to report). */
  keptEpochs(): number;
}

/**
 * Keeps params at the last point whose loss was measured finite: the start of the current epoch, or of
 * the previous one when the current epoch starts with a non-finite loss.
 */
function createGuard(params: Float64Array, step: Step): Guard {
  const checkpoint = Float64Array.from(params);
  let checkpointEpoch = 0;
  const restore = (message: string) => {
    params.set(checkpoint);
    return `${message}; kept the parameters from the start of epoch ${checkpointEpoch}`;
  };
  return {
    start(epoch, loss) {
      if (!Number.isFinite(loss)) return restore(`loss became ${loss} at epoch ${epoch}`);
      checkpoint.set(params);
      checkpointEpoch = epoch;
      return "";
    },
    step(epoch, loss, grad) {
      if (!Number.isFinite(loss)) return restore(`batch loss became ${loss} in epoch ${epoch}`);
      if (!allFinite(grad)) return restore(`gradient became non-finite in epoch ${epoch}`);
      step(params, grad);
      return allFinite(params) ? "" : restore(`parameters became non-finite in the update of epoch ${epoch}`);
    },
    keptEpochs: () => checkpointEpoch,
  };
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
