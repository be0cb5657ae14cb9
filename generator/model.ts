/**
 * defineModel: a model's roles (inputs, targets, parameters), its outputs and its per-sample loss,
 * checked once, with errors that name the model and the offending symbols.
 */
import { Expr } from "./symbolic/expr.ts";
import { freeSymbols } from "./symbolic/dag.ts";
import { simplifyAll } from "./symbolic/simplify.ts";

export type Task = "binary" | "multiclass" | "regression";

export interface ModelSpec {
  /** Module and registry name: lower case letters, digits and "_", starting with a letter. */
  readonly name: string;
  readonly inputs: readonly Expr[];
  readonly targets: readonly Expr[];
  readonly params: readonly Expr[];
  /** The model's predictions (functions of inputs and params only). */
  readonly outputs: readonly Expr[];
  /** The loss of one sample; the generated code averages it over a batch. */
  readonly loss: Expr;
  /** What the outputs mean, for metrics. Default: inferred from the outputs (see inferTask). */
  readonly task?: Task;
}

export interface ModelDefinition extends Required<ModelSpec> {
  readonly kind: "symgrad-model";
}

/** Identifiers the generated module itself defines or takes as arguments; a symbol may not reuse them. */
export const GENERATED_NAMES: ReadonlySet<string> = new Set([
  "MODEL", "PARAM_NAMES", "INPUT_NAMES", "TARGET_NAMES", "Params",
  "packParams", "unpackParams", "loss", "lossAndGradient", "predict", "hessianVectorProduct", "hessian",
  "params", "X", "Y", "grad", "out", "p", "a", "v", "H",
]);

const MODEL_NAME = /^[a-z][a-z0-9_]*$/;

export function isModelDefinition(x: unknown): x is ModelDefinition {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "symgrad-model";
}

export function defineModel(spec: ModelSpec): ModelDefinition {
  const name = typeof spec?.name === "string" ? spec.name : "";
  const fail = (message: string): never => {
    throw new Error(`defineModel(${name ? `"${name}"` : "?"}): ${message}`);
  };
  if (!MODEL_NAME.test(name)) fail(`name must match ${MODEL_NAME} (it names a file and an export), got ${JSON.stringify(spec?.name)}`);

  const roles = { inputs: spec.inputs, targets: spec.targets, params: spec.params } as const;
  const roleOf = new Map<string, string>();
  for (const [role, list] of Object.entries(roles)) {
    if (!Array.isArray(list) || list.length === 0) fail(`${role} must be a non-empty array of symbols`);
    for (const s of list) {
      if (!(s instanceof Expr) || s.op !== "sym") fail(`${role} must contain only symbols, got ${String(s)}`);
      if (GENERATED_NAMES.has(s.name)) fail(`symbol "${s.name}" collides with a name the generated module uses`);
      const other = roleOf.get(s.name);
      if (other === role) fail(`symbol "${s.name}" appears twice in ${role}`);
      if (other) fail(`symbol "${s.name}" is in both ${other} and ${role}`);
      roleOf.set(s.name, role);
    }
  }
  if (!(spec.loss instanceof Expr)) fail("loss must be an Expr");
  if (!Array.isArray(spec.outputs) || spec.outputs.length === 0) fail("outputs must be a non-empty array of Expr");
  spec.outputs.forEach((o, i) => {
    if (!(o instanceof Expr)) fail(`outputs[${i}] is not an Expr`);
  });

  const unknown = (names: Set<string>) => [...names].filter((n) => !roleOf.has(n)).sort();
  const lossSymbols = freeSymbols([spec.loss]);
  const lossUnknown = unknown(lossSymbols);
  if (lossUnknown.length > 0) fail(`loss uses symbols in no role: ${lossUnknown.join(", ")}`);
  const outputSymbols = freeSymbols(spec.outputs);
  const outputUnknown = unknown(outputSymbols);
  if (outputUnknown.length > 0) fail(`outputs use symbols in no role: ${outputUnknown.join(", ")}`);
  const outputTargets = [...outputSymbols].filter((n) => roleOf.get(n) === "targets").sort();
  if (outputTargets.length > 0) fail(`outputs must not depend on targets (predict has none): ${outputTargets.join(", ")}`);

  // A parameter the loss ignores would get a zero gradient forever: always a modelling mistake.
  const unused = spec.params.filter((p) => !lossSymbols.has(p.name)).map((p) => p.name);
  if (unused.length > 0) fail(`the loss does not depend on parameter(s) ${unused.join(", ")}`);

  const task = spec.task ?? inferTask(spec.outputs);
  if (!["binary", "multiclass", "regression"].includes(task)) fail(`unknown task "${task}"`);
  return Object.freeze({
    kind: "symgrad-model" as const,
    name,
    inputs: [...spec.inputs],
    targets: [...spec.targets],
    params: [...spec.params],
    outputs: [...spec.outputs],
    loss: spec.loss,
    task,
  });
}

/**
 * One sigmoid output → "binary"; several outputs that are a softmax → "multiclass"; else "regression".
 * Recognised on the simplified outputs, so a literal 1/(1 + exp(−z)) counts as a sigmoid.
 */
export function inferTask(outputs: readonly Expr[]): Task {
  const simplified = simplifyAll(outputs);
  if (simplified.length === 1 && simplified[0].op === "sigmoid") return "binary";
  const isSoftmax = (o: Expr) => o.op === "exp" && o.args[0].op === "add" && o.args[0].args.some(
    (t) => t.op === "mul" && t.args.some((f) => f.op === "logsumexp"),
  );
  if (simplified.length > 1 && simplified.every(isSoftmax)) return "multiclass";
  return "regression";
}
