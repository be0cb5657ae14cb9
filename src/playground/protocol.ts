/** Messages between the page (main.ts) and the training worker (worker.ts). */
import type { DatasetName } from "../data.ts";
import type { OptimizerName } from "../optimizers.ts";
import type { CustomSpec } from "./labels.ts";
import type { Metrics, TrainerSettings } from "./trainer.ts";

/** Which model to train: a catalogue name, or a custom MLP (dev server only). */
export type ModelChoice = { name: string; custom?: CustomSpec };

/** Points per side of the hidden-unit maps: they are small on screen, and a coarse grid keeps the probe cheap. */
export const NEURON_GRID = 24;

export type ToWorker =
  | { type: "setup"; model: ModelChoice; settings: TrainerSettings; grid: number }
  | { type: "run" }
  | { type: "pause" }
  | { type: "step" }
  | { type: "reset" };

/** Sent once per setup: what the page needs to label and draw the run. */
export interface Ready {
  type: "ready";
  modelName: string;
  task: "binary" | "multiclass" | "regression";
  outputs: number;
  paramNames: readonly string[];
  inputNames: readonly string[];
  ops: { loss: number; lossAndGradient: number };
  /** Raw (x1, x2) of every row, row targets, and which rows are test rows. */
  points: Float64Array;
  targets: Float64Array;
  targetWidth: number;
  isTest: Uint8Array;
  /** The drawn square: [min, max] on both axes. */
  domain: [number, number];
  /** Hidden units drawn per neuron (0 when the model has no probe). */
  neurons: number;
  datasets: DatasetName[];
  /** The optimizer the run uses: the one asked for, or lbfgs when newton was asked for a module without H·v. */
  optimizer: OptimizerName;
  /** Whether the module exports hessianVectorProduct (newton needs it). */
  hasHessianVectorProduct: boolean;
  /** Why a setting was changed (shown in the status line); "" when none was. */
  notice: string;
}

export interface Snapshot extends Metrics {
  type: "snapshot";
  epoch: number;
  running: boolean;
  epochsPerSecond: number;
  params: Float64Array;
  /** grid×grid rows × outputs of predict over the square, row 0 at the top (largest x2). */
  surface: Float64Array;
  /** NEURON_GRID² rows × neurons of the probe's outputs (empty without a probe). */
  neuronSurface: Float64Array;
  /** Why training stopped by itself, or "": lbfgs or newton converged or stuck (a normal stop), … */
  stopped: string;
  /** … or the loss became non-finite (an error). */
  problem: string;
}

export type FromWorker = Ready | Snapshot | { type: "error"; message: string };
