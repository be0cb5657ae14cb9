/** The generated TypeScript of each catalogue model, as text in its own lazily loaded chunk (for the page). */
import { customModuleQuery, type CustomSpec } from "./labels.ts";

const text = (m: { default: string }) => m.default;

const SOURCES: Readonly<Record<string, () => Promise<string>>> = {
  seed: () => import("../../generated/seed.ts?raw").then(text),
  logistic: () => import("../../generated/logistic.ts?raw").then(text),
  mlp_2_16_1: () => import("../../generated/mlp_2_16_1.ts?raw").then(text),
  mlp_2_16_16_1: () => import("../../generated/mlp_2_16_16_1.ts?raw").then(text),
  mlp_2_64_64_1: () => import("../../generated/mlp_2_64_64_1.ts?raw").then(text),
  softmax_2_8_3: () => import("../../generated/softmax_2_8_3.ts?raw").then(text),
  regression_2_16_1: () => import("../../generated/regression_2_16_1.ts?raw").then(text),
  features_7_8_1: () =>
    import("virtual:symgrad/mlp?layers=7,8,1&activation=tanh&output=sigmoid&loss=bce&features=x1,x2,x1sq,x2sq,x1x2,sin_x1,sin_x2&source").then(text),
};

export function generatedSource(model: string, custom: CustomSpec): Promise<string> {
  if (model === "custom") {
    // Dev server only: the plugin generates the custom MLP on request.
    return import(/* @vite-ignore */ `/@id/virtual:symgrad/mlp?${customModuleQuery(custom)}&source`).then(text);
  }
  const source = SOURCES[model];
  return source ? source() : Promise.reject(new Error(`no source for model "${model}"`));
}
