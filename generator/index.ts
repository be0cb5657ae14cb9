/**
 * symgrad's public API: write a model the way the seed writes it in SymPy, differentiate it, and
 * (through `npm run generate`) turn it into flat TypeScript.
 */
export {
  Expr, type ExprLike, type Symbols, symbols, sym, num, add, sub, mul, div, neg, pow, sqrt, exp, expm1, log, log1p,
  sigmoid, tanh, softplus, relu, step, abs, max, logsumexp, select, sin, cos, compareExpr,
} from "./symbolic/expr.ts";
export { diff, diffLiteral, gradient } from "./symbolic/differentiate.ts";
export { hessian, hessianVectorProduct, directionalDerivative } from "./symbolic/second-order.ts";
export { evaluate, evaluateLiteral, ProgramInterpreter, type Env } from "./symbolic/evaluate.ts";
export { show, showProgram } from "./symbolic/show.ts";
export { simplify, simplifyAll, RULES } from "./symbolic/simplify.ts";
export { lowerStable } from "./symbolic/lower.ts";
export { schedule, type Program, type Assignment, type Operand, type OpCounts } from "./symbolic/schedule.ts";
export { topologicalOrder, freeSymbols } from "./symbolic/dag.ts";
export { RESERVED_PREFIX } from "./symbolic/names.ts";
export { mlp, type MlpSpec, type Network } from "./nn/mlp.ts";
export { dense, type DenseLayer, type DenseOptions, type LayerActivation } from "./nn/dense.ts";
export { softmax, ACTIVATIONS } from "./nn/activations.ts";
export { binaryCrossEntropy, crossEntropy, meanSquaredError } from "./nn/losses.ts";
export { defineModel, validateModel, isModelDefinition, type ModelDefinition, type ModelSpec, type Task } from "./model.ts";
