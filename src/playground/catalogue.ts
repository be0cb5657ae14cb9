/**
 * The models the playground offers, each loaded lazily (its own chunk): the shipped generated modules,
 * MLP presets built by the symgrad/vite plugin at build time, and, on the dev server only, any custom MLP
 * (the plugin generates it on request). Probes are companion modules whose outputs are the hidden units.
 * The worker imports this file; the page imports only sources.ts (the generated text), so neither bundle
 * carries the other's chunks.
 */
import type { GeneratedModel } from "../contract.ts";
import { customModuleQuery, type CustomSpec } from "./labels.ts";

export interface CatalogueEntry {
  readonly load: () => Promise<GeneratedModel>;
  /** Hidden-unit outputs for per-neuron heat-maps (same PARAM_NAMES as the model). */
  readonly probe?: () => Promise<GeneratedModel>;
}


export const CATALOGUE: Readonly<Record<string, CatalogueEntry>> = {
  seed: {
    load: () => import("../../generated/seed.ts"),
  },
  logistic: {
    load: () => import("../../generated/logistic.ts"),
  },
  mlp_2_16_1: {
    load: () => import("../../generated/mlp_2_16_1.ts"),
    probe: () => import("virtual:symgrad/mlp?layers=2,16,1&activation=tanh&output=sigmoid&loss=bce&probe"),
  },
  mlp_2_16_16_1: {
    load: () => import("../../generated/mlp_2_16_16_1.ts"),
    probe: () => import("virtual:symgrad/mlp?layers=2,16,16,1&activation=tanh&output=sigmoid&loss=bce&probe"),
  },
  mlp_2_64_64_1: {
    load: () => import("../../generated/mlp_2_64_64_1.ts"),
  },
  softmax_2_8_3: {
    load: () => import("../../generated/softmax_2_8_3.ts"),
    probe: () => import("virtual:symgrad/mlp?layers=2,8,3&activation=tanh&output=softmax&loss=cross-entropy&probe"),
  },
  regression_2_16_1: {
    load: () => import("../../generated/regression_2_16_1.ts"),
    probe: () => import("virtual:symgrad/mlp?layers=2,16,1&activation=tanh&output=linear&loss=mse&probe"),
  },
  features_7_8_1: {
    load: () => import("virtual:symgrad/mlp?layers=7,8,1&activation=tanh&output=sigmoid&loss=bce&features=x1,x2,x1sq,x2sq,x1x2,sin_x1,sin_x2"),
    probe: () =>
      import("virtual:symgrad/mlp?layers=7,8,1&activation=tanh&output=sigmoid&loss=bce&features=x1,x2,x1sq,x2sq,x1x2,sin_x1,sin_x2&probe"),
  },
};

/** Only the dev server can generate on request: its URL for the plugin's virtual module. */
export function customEntry(spec: CustomSpec): CatalogueEntry {
  const url = (extra: string) => `/@id/virtual:symgrad/mlp?${customModuleQuery(spec)}${extra}`;
  return {
    load: () => import(/* @vite-ignore */ url("")),
    probe: spec.hidden.length > 0 ? () => import(/* @vite-ignore */ url("&probe")) : undefined,
  };
}
