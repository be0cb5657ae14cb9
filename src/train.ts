/**
 * The training loop: full-batch or seeded mini-batch epochs with any optimizer, an optional tolerance on the
 * loss change, and a guard that stops on the first non-finite loss, gradient or parameter (returning the
 * last parameters whose loss was finite) or on a diverging loss (returning the best parameters seen).
 * All buffers are made before the first epoch; the loop itself allocates nothing, and the loss history
 * has a fixed size whatever the number of epochs.
 */
import type { GeneratedModel } from "./contract.ts";
import type { Dataset } from "./data.ts";
import { LossHistory } from "./loss-history.ts";
import { createOptimizer, isSecondOrder, type OptimizerName } from "./optimizers.ts";
import { withPenalty } from "./regularization.ts";
import { trainSecondOrder, type FullBatchStats } from "./second-order-train.ts";
import { createRng } from "./rng.ts";

/** The largest --epochs a run accepts: epoch counts stay exact integers and the history stays bounded. */
export const MAX_EPOCHS = 1_000_000_000;

/** A loss above this multiple of the initial loss (and above 1) counts as diverged. */
export const DIVERGENCE_FACTOR = 1e6;

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
  /** L1 and L2 weight penalties (regularization.ts; default 0): added to the loss every optimizer sees. */
  l1?: number;
  l2?: number;
  /** Loss growth over the initial loss that stops the run as diverged (default 1e6; Infinity: never). */
  divergence?: number;
  /** Called at the start of every epoch with the loss before its update (for progress display). */
  onEpoch?: (epoch: number, loss: number) => void;
  /** Checked after every epoch; true stops the run there, keeping that epoch (for Ctrl-C). */
  shouldStop?: () => boolean;
}

export type StopReason = "epochs" | "tolerance" | "non-finite" | "diverged" | "interrupted";

export interface TrainResult {
  params: Float64Array;
  initialParams: Float64Array;
  /**
   * Mean loss over the whole dataset at the start of each recorded epoch, before its update: losses[k] is
   * the loss at the start of epoch k·lossEvery. lossEvery is 1 (every epoch) up to LossHistory.capacity
   * epochs, then doubles as needed so the history keeps a bounded size.
   */
  losses: Float64Array;
  lossEvery: number;
  /** Lowest and highest loss of the lossEvery epochs that losses[k] starts. */
  lossMin: Float64Array;
  lossMax: Float64Array;
  /** Mean loss over the whole dataset after the last update that was kept. */
  finalLoss: number;
  /** Epochs completed by the returned params; after a stop other than "epochs", fewer than asked. */
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
  const run = epochsOf(model, data, initialParams, options);
  let next = run.next();
  while (!next.done) next = run.next();
  return next.value;
}

/**
 * train() in slices of about `sliceMs`, returning to the event loop in between so that a signal handler
 * (Ctrl-C) can run and set what options.shouldStop reads. Results are bit for bit those of train().
 */
export async function trainInSlices(
  model: GeneratedModel,
  data: Dataset,
  initialParams: Float64Array,
  options: TrainOptions,
  sliceMs = 50,
): Promise<TrainResult> {
  const run = epochsOf(model, data, initialParams, options);
  let sliceEnd = performance.now() + sliceMs;
  let next = run.next();
  while (!next.done) {
    if (performance.now() >= sliceEnd) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceEnd = performance.now() + sliceMs;
    }
    next = run.next();
  }
  return next.value;
}

/** The loop itself, yielding after every epoch so callers decide when to pause. */
function* epochsOf(
  unpenalized: GeneratedModel,
  data: Dataset,
  initialParams: Float64Array,
  options: TrainOptions,
): Generator<void, TrainResult, void> {
  checkOptions(unpenalized, initialParams, options);
  const model = withPenalty(unpenalized, { l1: options.l1 ?? 0, l2: options.l2 ?? 0 });
  const { lr, epochs, optimizer = "gd", batch, seed = 42, tolerance, onEpoch, shouldStop } = options;
  if (isSecondOrder(optimizer)) return trainFullBatch(model, data, initialParams, options);
  const params = Float64Array.from(initialParams);
  const history = new LossHistory();
  const step = createOptimizer(optimizer, params.length, { lr });
  const guard = createGuard(params, step.step, options.divergence ?? DIVERGENCE_FACTOR);
  const fullBatch = batch === undefined || batch >= data.n;
  const runEpoch = fullBatch
    ? fullBatchEpoch(model, data, params, guard)
    : miniBatchEpoch(model, data, params, guard, batch, seed);
  const finish = (completed: number, stop: StopReason, message: string): TrainResult => ({
    params,
    initialParams: Float64Array.from(initialParams),
    ...history.read(completed),
    finalLoss: model.loss(params, data.X, data.Y),
    epochs: completed,
    stop,
    message,
  });

  let previous = Number.NaN;
  for (let e = 0; e < epochs; e++) {
    const problem = runEpoch(e);
    const loss = guard.startLoss();
    onEpoch?.(e, loss);
    if (problem) return finish(guard.keptEpochs(), guard.failure(), problem);
    history.push(loss);
    if (tolerance !== undefined && e > 0 && Math.abs(loss - previous) <= tolerance) {
      // The loss was measured before epoch e's update, so stopping here keeps that update.
      return finish(e + 1, "tolerance", `loss changed by ≤ ${tolerance} at epoch ${e}`);
    }
    if (shouldStop?.()) return finish(e + 1, "interrupted", `interrupted after epoch ${e}`);
    previous = loss;
    yield;
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
    lossEvery: 1, // one entry per iteration: there are at most --epochs of them, each a few evaluations
    lossMin: Float64Array.from(losses),
    lossMax: Float64Array.from(losses),
    finalLoss: loss,
    epochs: run.iterations,
    stop,
    message: stop === "epochs" ? "" : run.message,
    secondOrder: stats,
  };
}

/** Library callers skip the CLI's flag checks, so the boundary checks again, naming the option. */
function checkOptions(
  model: GeneratedModel,
  initialParams: Float64Array,
  { lr, epochs, batch, divergence }: TrainOptions,
): void {
  if (initialParams.length !== model.MODEL.params) {
    throw new RangeError(
      `initialParams: expected ${model.MODEL.params} values (${model.MODEL.name}), got ${initialParams.length}`,
    );
  }
  if (!(Number.isFinite(lr) && lr > 0)) throw new RangeError(`lr: expected a finite number > 0, got ${lr}`);
  if (!(Number.isSafeInteger(epochs) && epochs > 0 && epochs <= MAX_EPOCHS))
    throw new RangeError(`epochs: expected an integer from 1 to ${MAX_EPOCHS}, got ${epochs}`);
  if (divergence !== undefined && !(divergence > 1)) {
    throw new RangeError(`divergence: expected a factor > 1 (or Infinity), got ${divergence}`);
  }
  if (batch !== undefined && !(Number.isSafeInteger(batch) && batch > 0)) {
    throw new RangeError(`batch: expected a positive integer, got ${batch}`);
  }
}

/**
 * The seed's loop: one gradient of the mean loss over all rows, one update. The loss that comes with the
 * gradient is the loss at the start of the epoch, so it is also the epoch's recorded loss.
 */
function fullBatchEpoch(model: GeneratedModel, data: Dataset, params: Float64Array, guard: Guard): Epoch {
  const grad = new Float64Array(params.length);
  return (e) => {
    const loss = model.lossAndGradient(params, data.X, data.Y, grad);
    return guard.start(e, loss) || guard.step(e, loss, grad);
  };
}

/** Seeded shuffle each epoch, then one update per batch of rows gathered into preallocated buffers. */
function miniBatchEpoch(
  model: GeneratedModel,
  data: Dataset,
  params: Float64Array,
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
    const problem = guard.start(e, model.loss(params, X, Y));
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
  /**
   * At the start of epoch e: a finite loss saves a checkpoint (and the best parameters so far); a
   * non-finite one restores the previous checkpoint; a diverged one restores the best parameters.
   */
  start(epoch: number, loss: number): string;
  /** One optimizer step, refused on a non-finite loss or gradient; any failure restores the checkpoint. */
  step(epoch: number, loss: number, grad: Float64Array): string;
  /** The loss measured by the last start(). */
  startLoss(): number;
  /** Epochs completed by the parameters now held (= how many losses to report). */
  keptEpochs(): number;
  /** What the last failure was. */
  failure(): "non-finite" | "diverged";
}

/**
 * Keeps params at the last point whose loss was measured finite: the start of the current epoch, or of
 * the previous one when the current epoch starts with a non-finite loss. Once the loss exceeds
 * `divergence` × the initial loss (and 1, so tiny losses wobbling do not count), the run has diverged and
 * the parameters with the lowest loss seen are restored.
 */
function createGuard(params: Float64Array, step: Step, divergence: number): Guard {
  const checkpoint = Float64Array.from(params);
  const best = Float64Array.from(params);
  let checkpointEpoch = 0;
  let bestEpoch = 0;
  let bestLoss = Infinity;
  let initialLoss = Number.NaN;
  let lastLoss = Number.NaN;
  let failure: "non-finite" | "diverged" = "non-finite";
  const restore = (message: string) => {
    params.set(checkpoint);
    failure = "non-finite";
    return `${message}; kept the parameters from the start of epoch ${checkpointEpoch}`;
  };
  const restoreBest = (message: string) => {
    params.set(best);
    checkpointEpoch = bestEpoch;
    failure = "diverged";
    return `${message}; kept the best parameters, from the start of epoch ${bestEpoch} (loss ${bestLoss.toPrecision(4)})`;
  };
  return {
    start(epoch, loss) {
      lastLoss = loss;
      if (!Number.isFinite(loss)) return restore(`loss became ${loss} at epoch ${epoch}`);
      if (epoch === 0) initialLoss = loss;
      if (loss > divergence * initialLoss && loss > 1) {
        return restoreBest(
          `loss diverged to ${loss.toPrecision(4)} at epoch ${epoch}, over ${divergence.toPrecision(1)} × its initial ${initialLoss.toPrecision(4)}`,
        );
      }
      checkpoint.set(params);
      checkpointEpoch = epoch;
      if (loss < bestLoss) {
        best.set(params);
        bestLoss = loss;
        bestEpoch = epoch;
      }
      return "";
    },
    step(epoch, loss, grad) {
      if (!Number.isFinite(loss)) return restore(`batch loss became ${loss} in epoch ${epoch}`);
      if (!allFinite(grad)) return restore(`gradient became non-finite in epoch ${epoch}`);
      step(params, grad);
      return allFinite(params) ? "" : restore(`parameters became non-finite in the update of epoch ${epoch}`);
    },
    startLoss: () => lastLoss,
    keptEpochs: () => checkpointEpoch,
    failure: () => failure,
  };
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
