/**
 * What the page knows about the models without loading them: names, labels, the custom MLP spec.
 * (The worker loads modules through catalogue.ts; the page loads only their text through sources.ts.)
 */

export const MODEL_LABELS: Readonly<Record<string, string>> = {
  seed: "seed (2-2-1 sigmoid, the tutorial's net)",
  logistic: "logistic regression",
  mlp_2_16_1: "mlp 2-16-1 tanh",
  mlp_2_16_16_1: "mlp 2-16-16-1 tanh",
  mlp_2_64_64_1: "mlp 2-64-64-1 tanh (wide)",
  softmax_2_8_3: "softmax 2-8-3 (three classes)",
  regression_2_16_1: "regression 2-16-1 tanh (linear output, MSE)",
  features_7_8_1: "features x1 x2 x1² x2² x1·x2 sin x1 sin x2 → 8 tanh → 1",
};

export const DEFAULT_MODEL = "seed";

/** A custom MLP (dev server only): hidden layer sizes, activation, features, and the task's output. */
export interface CustomSpec {
  hidden: number[];
  activation: "sigmoid" | "tanh" | "relu" | "softplus";
  features: string[];
  task: "binary" | "multiclass" | "regression";
}

const OUTPUT_FOR_TASK = {
  binary: { units: 1, output: "sigmoid", loss: "bce" },
  multiclass: { units: 3, output: "softmax", loss: "cross-entropy" },
  regression: { units: 1, output: "linear", loss: "mse" },
} as const;

/** The virtual module id the plugin builds a custom MLP from. */
export function customModuleQuery(spec: CustomSpec): string {
  const { units, output, loss } = OUTPUT_FOR_TASK[spec.task];
  const layers = [spec.features.length, ...spec.hidden, units].join(",");
  return `layers=${layers}&activation=${spec.activation}&output=${output}&loss=${loss}&features=${spec.features.join(",")}`;
}

