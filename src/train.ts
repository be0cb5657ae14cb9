/**
 * The training loop: full-batch or seeded mini-batch epochs with any optimizer, an optional tolerance on the
 * loss change, and a guard that stops on the first non-finite loss, gradient or parameter while keeping the
 * last finite parameters. All buffers are made before the first epoch; the loop itself allocates nothing.
 */
import type { GeneratedModel } from "./contract.ts";
import type { Dataset } from "./data.ts";
import { createOptimizer, type OptimizerName } from "./optimizers.ts";
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
  /** Epochs completed (= losses.length); an epoch stopped by a non-finite value is not counted. */
  epochs: number;
  stop: StopReason;
  /** Why training stopped early, in words (names the epoch); empty when all epochs ran. */
  message: string;
}

/** One epoch's worth of updates; returns a message when something went non-finite, else "". */
type Epoch = (epoch: number) => string;

export function train(
  model: GeneratedModel,
  data: Dataset,
  initialParams: Float64Array,
  options: TrainOptions,
): TrainResult {
  const { lr, epochs, optimizer = "gd", batch, seed = 42, tolerance, onEpoch } = options;
  const params = Float64Array.from(initialParams);
  const losses = new Float64Array(epochs);
  const step = createOptimizer(optimizer, params.length, { lr });
  const fullBatch = batch === undefined || batch >= data.n;
  const runEpoch = fullBatch
    ? fullBatchEpoch(model, data, params, losses, step.step)
    : miniBatchEpoch(model, data, params, losses, step.step, batch, seed);

  for (let e = 0; e < epochs; e++) {
    const problem = runEpoch(e);
    onEpoch?.(e, losses[e]);
    if (problem) return finish(model, data, initialParams, params, losses, e, "non-finite", problem);
    if (tolerance !== undefined && e > 0 && Math.abs(losses[e] - losses[e - 1]) <= tolerance) {
      // losses[e] was measured before epoch e's update, so stopping here keeps that update.
      return finish(model, data, initialParams, params, losses, e + 1, "tolerance", `loss changed by ≤ ${tolerance} at epoch ${e}`);
    }
  }
  return finish(model, data, initialParams, params, losses, epochs, "epochs", "");
}

function finish(
  model: GeneratedModel,
  data: Dataset,
  initialParams: Float64Array,
  params: Float64Array,
  losses: Float64Array,
  epochs: number,
  stop: StopReason,
  message: string,
): TrainResult {
  const finalLoss = model.loss(params, data.X, data.Y);
  return { params, initialParams: Float64Array.from(initialParams), losses: losses.slice(0, epochs), finalLoss, epochs, stop, message };
}

type Step = (params: Float64Array, grad: Float64Array) => void;

/**
 * The seed's loop: one gradient of the mean loss over all rows, one update. The loss it returns is the
 * loss at the start of the epoch, so it doubles as losses[e].
 */
function fullBatchEpoch(model: GeneratedModel, data: Dataset, params: Float64Array, losses: Float64Array, step: Step): Epoch {
  const grad = new Float64Array(params.length);
  const guard = finiteGuard(params);
  return (e) => {
    losses[e] = model.lossAndGradient(params, data.X, data.Y, grad);
    return guard(e, losses[e], grad, step);
  };
}

/** Seeded shuffle each epoch, then one update per batch of rows gathered into preallocated buffers. */
function miniBatchEpoch(
  model: GeneratedModel,
  data: Dataset,
  params: Float64Array,
  losses: Float64Array,
  step: Step,
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
  const guard = finiteGuard(params);

  return (e) => {
    losses[e] = model.loss(params, X, Y);
    if (!Number.isFinite(losses[e])) return `loss became ${losses[e]} at epoch ${e}`;
    rng.shuffle(order);
    for (let start = 0; start < n; start += batch) {
      const size = Math.min(batch, n - start);
      for (let r = 0; r < size; r++) {
        copyRow(X, order[start + r], bx, r, inputs);
        copyRow(Y, order[start + r], by, r, targets);
      }
      const full = size === batch;
      const loss = model.lossAndGradient(params, full ? bx : tailX, full ? by : tailY, grad);
      const problem = guard(e, loss, grad, step);
      if (problem) return problem;
    }
    return "";
  };
}

/** Copies row `from` of a row-major array into row `to` of another (no subarray views: they allocate). */
function copyRow(source: Float64Array, from: number, target: Float64Array, to: number, width: number): void {
  for (let k = 0; k < width; k++) target[to * width + k] = source[from * width + k];
}

/**
 * Wraps an optimizer step with the non-finite checks: refuses to step on a non-finite loss or gradient,
 * and undoes a step that made any parameter non-finite, so params always hold the last finite values.
 */
function finiteGuard(params: Float64Array) {
  const previous = new Float64Array(params.length);
  return (epoch: number, loss: number, grad: Float64Array, step: Step): string => {
    if (!Number.isFinite(loss)) return `loss became ${loss} at epoch ${epoch}`;
    if (!allFinite(grad)) return `gradient became non-finite at epoch ${epoch}`;
    previous.set(params);
    step(params, grad);
    if (allFinite(params)) return "";
    params.set(previous);
    return `parameters became non-finite in the update of epoch ${epoch}`;
  };
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
