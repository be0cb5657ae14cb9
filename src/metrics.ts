/**
 * Quality measures on a dataset: accuracy for classifiers (p ≥ 0.5 for one sigmoid output, argmax for
 * softmax), RMSE and R² for regression.
 */
import type { GeneratedModel } from "./contract.ts";
import type { Dataset } from "./data.ts";

export interface Metrics {
  loss: number;
  accuracy?: number;
  rmse?: number;
  r2?: number;
}

export function evaluate(model: GeneratedModel, params: Float64Array, data: Dataset): Metrics {
  const outputs = predictAll(model, params, data.X, data.n);
  const loss = model.loss(params, data.X, data.Y);
  switch (model.MODEL.task) {
    case "binary":
      return { loss, accuracy: binaryAccuracy(outputs, data.Y) };
    case "multiclass":
      return { loss, accuracy: argmaxAccuracy(outputs, data.Y, model.MODEL.outputs) };
    case "regression":
      return { loss, rmse: rmse(outputs, data.Y), r2: r2(outputs, data.Y) };
  }
}

/** The model's outputs for every row of X (n×outputs). */
export function predictAll(model: GeneratedModel, params: Float64Array, X: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * model.MODEL.outputs);
  model.predict(params, X, out);
  return out;
}

/** Share of rows where (p ≥ 0.5) matches (y ≥ 0.5). */
export function binaryAccuracy(p: Float64Array, y: Float64Array): number {
  let right = 0;
  for (let i = 0; i < p.length; i++) if (p[i] >= 0.5 === y[i] >= 0.5) right++;
  return right / p.length;
}

/** Share of rows whose largest output sits where the largest target does (one-hot targets). */
export function argmaxAccuracy(p: Float64Array, y: Float64Array, classes: number): number {
  const n = p.length / classes;
  let right = 0;
  for (let i = 0; i < n; i++) if (argmax(p, i * classes, classes) === argmax(y, i * classes, classes)) right++;
  return right / n;
}

/** Index (0-based, within the row) of the largest of values[start … start+count). */
export function argmax(values: Float64Array, start: number, count: number): number {
  let best = 0;
  for (let k = 1; k < count; k++) if (values[start + k] > values[start + best]) best = k;
  return best;
}

export function rmse(p: Float64Array, y: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += (p[i] - y[i]) ** 2;
  return Math.sqrt(sum / p.length);
}

/** Coefficient of determination, 1 − SS_res / SS_tot; NaN when the targets are constant (SS_tot = 0: undefined). */
export function r2(p: Float64Array, y: Float64Array): number {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    residual += (y[i] - p[i]) ** 2;
    total += (y[i] - mean) ** 2;
  }
  return total === 0 ? Number.NaN : 1 - residual / total;
}
