/**
 * A generated module whose loss, gradient and H·v are computed by a WorkerPool: the same interface, so
 * the training loop, the optimizers, L-BFGS and Newton use it unchanged.
 *
 * Every batch function returns means, so each worker turns its shard's mean back into a sum (mean × its
 * rows); here the sums are added in worker order 0, 1, …, N−1 and divided by the rows, exactly as the
 * module divides its own sums. The order and the shards are fixed, so for a given N a run is bit for bit
 * reproducible, and it equals the single-thread run up to rounding (the rows are summed in N groups).
 *
 * Rows: the dataset the pool shares is read in place (pass pool.X and pool.Y); any other rows (a gathered
 * mini-batch) are copied into the pool's staging area first, a copy as cheap as the gather that made them.
 */
import type { GeneratedModel } from "../contract.ts";
import type { WorkerPool } from "./pool.ts";
import { COMMAND, type Command } from "./protocol.ts";

export function parallelModel(model: GeneratedModel, pool: WorkerPool): GeneratedModel {
  const { inputs, targets, params: size } = model.MODEL;
  const datasetRows = pool.Y.length / targets;

  /** Puts params (and the rows, unless they are the shared dataset) where the workers read them; runs. */
  const run = (name: string, command: Command, params: Float64Array, X: Float64Array, Y: Float64Array, out?: Float64Array): number => {
    const rows = Y.length / targets;
    if (!(Number.isInteger(rows) && rows > 0)) throw new RangeError(`${name}: Y must hold n×${targets} values, n ≥ 1; got ${Y.length}`);
    if (X.length !== rows * inputs) throw new RangeError(`${name}: X must hold ${rows}×${inputs} values for the ${rows} rows of Y; got ${X.length}`);
    if (params.length !== size) throw new RangeError(`${name}: params must hold ${size} values; got ${params.length}`);
    if (out !== undefined && out.length !== size) throw new RangeError(`${name}: the output must hold ${size} values; got ${out.length}`);
    pool.params.set(params);
    const shared = X === pool.X && Y === pool.Y;
    if (!shared) {
      pool.reserveStaging(rows, inputs, targets);
      pool.stagingX.set(X);
      pool.stagingY.set(Y);
    }
    pool.run(command, !shared, shared ? datasetRows : rows);
    return rows;
  };

  /** The mean loss over all rows, from the workers' sums taken in worker order. */
  const meanLoss = (rows: number): number => {
    let sum = 0;
    for (let w = 0; w < pool.count; w++) sum += pool.partialLoss[w];
    return sum / rows;
  };

  /** The mean of the workers' vector sums (gradient or H·v), each element summed in worker order. */
  const meanVector = (rows: number, out: Float64Array): void => {
    const { partials, count } = pool;
    for (let k = 0; k < size; k++) {
      let sum = 0;
      for (let w = 0; w < count; w++) sum += partials[w * size + k];
      out[k] = sum / rows;
    }
  };

  const hvp = model.hessianVectorProduct;
  return {
    MODEL: model.MODEL,
    PARAM_NAMES: model.PARAM_NAMES,
    INPUT_NAMES: model.INPUT_NAMES,
    TARGET_NAMES: model.TARGET_NAMES,
    predict: model.predict,
    loss(params, X, Y) {
      return meanLoss(run("loss", COMMAND.loss, params, X, Y));
    },
    lossAndGradient(params, X, Y, grad) {
      const rows = run("lossAndGradient", COMMAND.lossAndGradient, params, X, Y, grad);
      meanVector(rows, grad);
      return meanLoss(rows);
    },
    ...(hvp === undefined
      ? {}
      : {
          hessianVectorProduct(params: Float64Array, X: Float64Array, Y: Float64Array, v: Float64Array, out: Float64Array) {
            if (v.length !== size) throw new RangeError(`hessianVectorProduct: v must hold ${size} values; got ${v.length}`);
            pool.vector.set(v);
            const rows = run("hessianVectorProduct", COMMAND.hessianVectorProduct, params, X, Y, out);
            meanVector(rows, out);
            return meanLoss(rows);
          },
        }),
  };
}
