/**
 * The playground's training loop, one epoch per call so the worker can interleave drawing and messages.
 * It makes the same data, split-free training rows and initial parameters as `npm run train` for the same
 * seed (DATASETS, randomParams(…, `${seed}/init`)), and the same updates: full-batch epochs are the seed's
 * loop; mini-batch epochs shuffle with the same seeded generator as src/train.ts. L1/L2 penalties come from
 * src/regularization.ts. lbfgs and newton run the runtime's own iterations (src/lbfgs.ts, src/newton.ts) one
 * per epoch, always on the full batch. Browser-safe: no node: imports.
 */
import type { GeneratedModel } from "../contract.ts";
import { DATASETS, DATASET_TASKS, type Dataset, type DatasetName } from "../data.ts";
import { randomParams } from "../init.ts";
import { argmaxAccuracy, binaryAccuracy, r2 } from "../metrics.ts";
import type { FullBatchIterations } from "../full-batch.ts";
import { lbfgsIterations } from "../lbfgs.ts";
import { newtonIterations } from "../newton.ts";
import { createOptimizer, isSecondOrder, type OptimizerName, type Optimizer, type SecondOrderOptimizerName } from "../optimizers.ts";
import { addPenaltyGradient, penalty, penaltyMask, withPenalty, type Regularization } from "../regularization.ts";
import { datasetObjective } from "../second-order-train.ts";
import { createRng, type Rng } from "../rng.ts";
import { modelInputs } from "./features.ts";

export interface TrainerSettings {
  data: DatasetName;
  /** Dataset noise; undefined = the dataset's default. */
  noise?: number;
  /** Percent of rows used for training (the rest is the test set), 10 … 100. */
  split: number;
  optimizer: OptimizerName;
  /** Learning rate of gd, momentum and adam (lbfgs and newton choose their own steps). */
  lr: number;
  /** Rows per mini-batch; 0 = full batch. lbfgs and newton always use the full batch. */
  batch: number;
  seed: string;
  regularization: Regularization;
}

/** A dataset split into training and test rows, with the model's input columns filled in. */
export interface SplitData {
  /** Raw (x1, x2) of every row, and which rows are test rows (for drawing). */
  points: Float64Array;
  targets: Float64Array;
  isTest: Uint8Array;
  train: Dataset;
  test: Dataset;
}

export interface Metrics {
  loss: number;
  testLoss: number;
  /** Fraction in [0, 1] (classification); NaN for regression. */
  accuracy: number;
  testAccuracy: number;
  /** Coefficient of determination (regression); NaN for classification. */
  r2: number;
}

/** The dataset a model's task trains on first, and which datasets fit a task. */
export function datasetsFor(task: GeneratedModel["MODEL"]["task"]): DatasetName[] {
  return (Object.keys(DATASETS) as DatasetName[]).filter((name) => DATASET_TASKS[name] === task);
}

/**
 * Rows go to the test set by a seeded shuffle (`${seed}/split`); both sets keep the dataset's row order,
 * so split 100 trains on exactly the rows `npm run train` uses, in the same order.
 */
export function splitData(model: GeneratedModel, settings: TrainerSettings): SplitData {
  const full = DATASETS[settings.data]({ seed: settings.seed, ...(settings.noise === undefined ? {} : { noise: settings.noise }) });
  const testCount = Math.round(full.n * (1 - settings.split / 100));
  const order = Uint32Array.from({ length: full.n }, (_, i) => i);
  createRng(`${settings.seed}/split`).shuffle(order);
  const isTest = new Uint8Array(full.n);
  for (let i = 0; i < testCount; i++) isTest[order[i]] = 1;
  const pick = (wantTest: number): Dataset => {
    const rows = [...isTest.keys()].filter((i) => isTest[i] === wantTest);
    const targets = full.targetNames.length;
    const points = new Float64Array(rows.length * 2);
    const Y = new Float64Array(rows.length * targets);
    rows.forEach((row, r) => {
      points.set(full.X.subarray(row * 2, row * 2 + 2), r * 2);
      Y.set(full.Y.subarray(row * targets, (row + 1) * targets), r * targets);
    });
    const X = modelInputs(points, model.INPUT_NAMES);
    return { name: full.name, inputNames: [...model.INPUT_NAMES], targetNames: full.targetNames, X, Y, n: rows.length };
  };
  return { points: full.X, targets: full.Y, isTest, train: pick(0), test: pick(1) };
}

export class Trainer {
  readonly params: Float64Array;
  readonly initialParams: Float64Array;
  /** Epochs completed. */
  epoch = 0;
  /** Mean training loss (with the penalty) measured at the start of the last epoch run. */
  lastLoss = NaN;
  /** Why lbfgs or newton stopped by itself (converged, or no step decreases the loss); "" while it can go on. */
  finished = "";

  private readonly grad: Float64Array;
  private readonly mask: Float64Array;
  private readonly runEpoch: () => number;

  constructor(
    readonly model: GeneratedModel,
    readonly data: SplitData,
    readonly settings: TrainerSettings,
  ) {
    this.initialParams = randomParams(model.PARAM_NAMES, `${settings.seed}/init`);
    this.params = Float64Array.from(this.initialParams);
    this.grad = new Float64Array(this.params.length);
    this.mask = penaltyMask(model.PARAM_NAMES);
    const { train } = data;
    if (isSecondOrder(settings.optimizer)) {
      this.runEpoch = this.secondOrderEpoch(settings.optimizer);
      return;
    }
    const optimizer = createOptimizer(settings.optimizer, this.params.length, { lr: settings.lr });
    const fullBatch = settings.batch <= 0 || settings.batch >= train.n;
    this.runEpoch = fullBatch ? () => this.gradientStep(optimizer, train.X, train.Y) : this.miniBatchEpoch(optimizer, settings.batch);
  }

  /** Runs one epoch; returns the training loss measured at its start (before its updates). */
  step(): number {
    if (this.data.train.n === 0 || this.finished) return NaN;
    this.lastLoss = this.runEpoch();
    this.epoch++;
    return this.lastLoss;
  }

  /** Loss (with the penalty), accuracy or R² on both sets at the current parameters. */
  metrics(): Metrics {
    const { train, test } = this.data;
    const onTrain = this.measure(train);
    const onTest = this.measure(test);
    return { loss: onTrain.loss, testLoss: onTest.loss, accuracy: onTrain.accuracy, testAccuracy: onTest.accuracy, r2: onTrain.r2 };
  }

  private measure(data: Dataset): { loss: number; accuracy: number; r2: number } {
    if (data.n === 0) return { loss: NaN, accuracy: NaN, r2: NaN };
    const { MODEL } = this.model;
    const out = new Float64Array(data.n * MODEL.outputs);
    this.model.predict(this.params, data.X, out);
    const loss = this.model.loss(this.params, data.X, data.Y) + penalty(this.params, this.mask, this.settings.regularization);
    if (MODEL.task === "regression") return { loss, accuracy: NaN, r2: r2(out, data.Y) };
    const accuracy = MODEL.task === "binary" ? binaryAccuracy(out, data.Y) : argmaxAccuracy(out, data.Y, MODEL.outputs);
    return { loss, accuracy, r2: NaN };
  }

  /** One optimizer update from the mean gradient over X, Y plus the penalty; returns the loss before it. */
  private gradientStep(optimizer: Optimizer, X: Float64Array, Y: Float64Array): number {
    const loss = this.model.lossAndGradient(this.params, X, Y, this.grad);
    const extra = addPenaltyGradient(this.params, this.grad, this.mask, this.settings.regularization);
    optimizer.step(this.params, this.grad);
    return loss + extra;
  }

  /**
   * One L-BFGS or Newton iteration per epoch on the whole training set (with the penalty), the same
   * objective `npm run train --optimizer lbfgs|newton` minimises. When the method stops (gradient norm
   * ≤ 1e-10, or no step decreases the loss) `finished` says why and later steps do nothing.
   */
  private secondOrderEpoch(name: SecondOrderOptimizerName): () => number {
    const model = withPenalty(this.model, this.settings.regularization);
    if (name === "newton" && !model.hessianVectorProduct) {
      throw new Error(`newton needs the module's hessianVectorProduct, and ${this.model.MODEL.name} has none (choose lbfgs)`);
    }
    const objective = datasetObjective(model, this.data.train);
    const start = name === "lbfgs" ? lbfgsIterations : newtonIterations;
    const iterations: FullBatchIterations = start(objective, this.params, { maxIterations: Number.MAX_SAFE_INTEGER });
    let lossHere = objective.lossAndGradient(this.params, this.grad);
    return () => {
      const before = lossHere;
      const next = iterations.next();
      this.params.set(next.value.x);
      lossHere = next.value.loss;
      if (next.done) this.finished = `${name} stopped: ${next.value.message}`;
      return before;
    };
  }

  /** As src/train.ts: the epoch's loss over all rows, a seeded shuffle, then one update per batch. */
  private miniBatchEpoch(optimizer: Optimizer, batch: number): () => number {
    const { X, Y, n } = this.data.train;
    const inputs = X.length / n;
    const targets = Y.length / n;
    const rng: Rng = createRng(`${this.settings.seed}/batches`); // as npm run train (src/run.ts)
    const order = Uint32Array.from({ length: n }, (_, i) => i);
    const bx = new Float64Array(batch * inputs);
    const by = new Float64Array(batch * targets);
    return () => {
      const loss = this.model.loss(this.params, X, Y) + penalty(this.params, this.mask, this.settings.regularization);
      rng.shuffle(order);
      for (let start = 0; start < n; start += batch) {
        const size = Math.min(batch, n - start);
        for (let r = 0; r < size; r++) {
          const row = order[start + r];
          for (let k = 0; k < inputs; k++) bx[r * inputs + k] = X[row * inputs + k];
          for (let k = 0; k < targets; k++) by[r * targets + k] = Y[row * targets + k];
        }
        const full = size === batch;
        this.gradientStep(optimizer, full ? bx : bx.subarray(0, size * inputs), full ? by : by.subarray(0, size * targets));
      }
      return loss;
    };
  }
}
