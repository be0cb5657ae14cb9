/**
 * A whole training run with the runtime's own trainer (src/train.ts), the seed's way: full-batch
 * gradient descent, lr 0.5, 2000 epochs. A model too slow for the bench's time budget trains for as many
 * epochs as fit and the 2000-epoch time is extrapolated (and marked so).
 */
import type { GeneratedModel } from "../../src/contract.ts";
import type { Dataset } from "../../src/data.ts";
import { train } from "../../src/train.ts";

export const TRAINING_EPOCHS = 2000;
const LEARNING_RATE = 0.5;

export interface TrainingStats {
  readonly epochsRun: number;
  readonly ms: number;
  /** Time for TRAINING_EPOCHS epochs: measured when epochsRun = TRAINING_EPOCHS, else extrapolated. */
  readonly ms2000: number;
  readonly extrapolated: boolean;
  readonly finalLoss: number;
}

/** perEpochUs: the measured time of one lossAndGradient call, to fit the run into budgetMs. */
export function trainingRun(model: GeneratedModel, data: Dataset, params: Float64Array, perEpochUs: number, budgetMs: number): TrainingStats {
  const epochs = Math.max(1, Math.min(TRAINING_EPOCHS, Math.floor((budgetMs * 1000) / perEpochUs)));
  const start = performance.now();
  const result = train(model, data, params, { lr: LEARNING_RATE, epochs });
  const ms = performance.now() - start;
  return { epochsRun: epochs, ms, ms2000: (ms * TRAINING_EPOCHS) / epochs, extrapolated: epochs < TRAINING_EPOCHS, finalLoss: result.finalLoss };
}
