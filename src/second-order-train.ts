/**
 * Training with the full-batch second-order methods: the generated module as an `Objective` over the
 * whole dataset, L-BFGS or trust-region Newton–CG on it, and the result in the shape `train` returns.
 */
import type { GeneratedModel } from "./contract.ts";
import type { Dataset } from "./data.ts";
import type { FullBatchResult, FullBatchStats, Objective } from "./full-batch.ts";
import { lbfgs } from "./lbfgs.ts";
import { newton } from "./newton.ts";
import type { SecondOrderOptimizerName } from "./optimizers.ts";

export interface SecondOrderTrainOptions {
  optimizer: SecondOrderOptimizerName;
  /** Maximum iterations (the CLI's --epochs). */
  epochs: number;
  /** Stop once an iteration changes the loss by ≤ this (the CLI's --tolerance). */
  tolerance?: number;
  onEpoch?: (iteration: number, loss: number) => void;
}

/** The mean loss over the whole dataset as a function of the parameters. */
export function datasetObjective(model: GeneratedModel, data: Dataset): Objective {
  const hvp = model.hessianVectorProduct;
  return {
    size: model.MODEL.params,
    lossAndGradient: (x, g) => model.lossAndGradient(x, data.X, data.Y, g),
    hessianVectorProduct: hvp ? (x, v, out) => hvp(x, data.X, data.Y, v, out) : undefined,
  };
}

export function trainSecondOrder(
  model: GeneratedModel,
  data: Dataset,
  initialParams: Float64Array,
  options: SecondOrderTrainOptions,
): FullBatchResult {
  const objective = datasetObjective(model, data);
  if (options.optimizer === "newton" && !objective.hessianVectorProduct) {
    throw new TypeError(
      `optimizer newton: model ${model.MODEL.name} has no hessianVectorProduct (symgrad leaves it out of unrolled models whose loss and gradient exceed 32 768 operations per sample, and modules from before 0.2 lack it); use lbfgs, or regenerate`,
    );
  }
  const run = options.optimizer === "lbfgs" ? lbfgs : newton;
  return run(objective, initialParams, {
    maxIterations: options.epochs,
    lossTolerance: options.tolerance,
    onIteration: options.onEpoch,
  });
}

export type { FullBatchStats };
