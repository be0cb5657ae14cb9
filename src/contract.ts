/**
 * The shape every generated model module has (see generator/emit/module.ts, which writes it).
 * The runtime depends on this interface only, never on the generator.
 *
 * Layouts: X is n×inputs row-major, Y is n×targets row-major, n = Y.length / targets.
 * Every function checks array lengths at the boundary and throws a RangeError naming the argument.
 */
export interface ModelInfo {
  readonly name: string;
  readonly inputs: number;
  readonly targets: number;
  readonly outputs: number;
  readonly params: number;
  /** Hash of the module's own code (SHA-256 prefix): it changes exactly when the generated code does. */
  readonly hash: string;
  /** Scheduled operations per sample. */
  readonly ops: {
    readonly loss: number;
    readonly lossAndGradient: number;
    /** Present in modules generated with second-order support (every module symgrad writes today). */
    readonly hessianVectorProduct?: number;
    /** Present only where `hessian` is emitted (models of ≤ 32 parameters (HESSIAN_MAX_PARAMS)). */
    readonly hessian?: number;
  };
  /**
   * What the model predicts, so the runtime picks metrics: "binary" (one probability output, accuracy at
   * p ≥ 0.5), "multiclass" (one probability per class, accuracy by argmax), "regression" (RMSE, R²).
   */
  readonly task: "binary" | "multiclass" | "regression";
}

export interface GeneratedModel {
  readonly MODEL: ModelInfo;
  readonly PARAM_NAMES: readonly string[];
  readonly INPUT_NAMES: readonly string[];
  readonly TARGET_NAMES: readonly string[];
  /**
   * Which code answers lossAndGradient, in modules that have its WebAssembly form (loop modules of
   * dense layers with a σ + BCE head): "webassembly", or "javascript" where WebAssembly is missing or
   * refused (a Content-Security-Policy without 'wasm-unsafe-eval'). The two compute the same sums in
   * the same order.
   */
  readonly BACKEND?: "webassembly" | "javascript";
  /** Mean per-sample loss over the batch. */
  loss(params: Float64Array, X: Float64Array, Y: Float64Array): number;
  /** Writes the mean gradient into grad and returns the mean loss. Allocates nothing. */
  lossAndGradient(params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array): number;
  /** Writes the model's outputs for each row of X into out (n×outputs). */
  predict(params: Float64Array, X: Float64Array, out: Float64Array): void;
  /**
   * Writes H·v into out (H: the Hessian of the mean loss) and returns the mean loss. Allocates nothing;
   * out must not share memory with params, X, Y or v. Optional so that modules generated before it
   * existed still satisfy the contract; the second-order optimizers require it.
   */
  hessianVectorProduct?(params: Float64Array, X: Float64Array, Y: Float64Array, v: Float64Array, out: Float64Array): number;
  /**
   * Writes the Hessian of the mean loss into H (params×params, row-major, symmetric) and returns the
   * mean loss. Emitted only for models of ≤ 32 parameters (HESSIAN_MAX_PARAMS).
   */
  hessian?(params: Float64Array, X: Float64Array, Y: Float64Array, H: Float64Array): number;
}
