/**
 * The model registry: names to generated modules (the shipped ones, or one a user loaded), and the check
 * that an imported module really has the generated-module shape. The runtime reaches generated code only
 * through here.
 */
import type { GeneratedModel } from "./contract.ts";
import type { Registry } from "./run-config.ts";
import { MODELS as GENERATED } from "../generated/index.ts";

export const MODELS: Readonly<Record<string, GeneratedModel>> = GENERATED;

export const MODEL_NAMES = Object.keys(MODELS).sort();

export function getModel(name: string): GeneratedModel | undefined {
  return Object.hasOwn(MODELS, name) ? MODELS[name] : undefined;
}

export const SHIPPED: Registry = { names: MODEL_NAMES, get: getModel };

/** A registry of one module (a file the user generated), with the URL worker threads load it from. */
export function registryOf(module: GeneratedModel, moduleUrl?: string): Registry {
  const name = module.MODEL.name;
  return { names: [name], get: (n) => (n === name ? module : undefined), moduleUrl: (n) => (n === name ? moduleUrl : undefined) };
}

/**
 * `exports` as a GeneratedModel, or an error message saying what is missing: a file passed to
 * `symgrad train` may be anything.
 */
export function asGeneratedModel(exports: Record<string, unknown>): GeneratedModel | string {
  const info = exports.MODEL as Record<string, unknown> | undefined;
  if (typeof info !== "object" || info === null) return "it exports no MODEL object (is it a module symgrad generated?)";
  for (const field of ["inputs", "targets", "outputs", "params"]) {
    if (!Number.isInteger(info[field]) || (info[field] as number) < 1) return `MODEL.${field} is not a positive integer`;
  }
  if (typeof info.name !== "string") return "MODEL.name is not a string";
  if (!["binary", "multiclass", "regression"].includes(info.task as string)) return `MODEL.task is not binary, multiclass or regression`;
  const names = { PARAM_NAMES: info.params, INPUT_NAMES: info.inputs, TARGET_NAMES: info.targets };
  for (const [list, length] of Object.entries(names)) {
    const value = exports[list];
    if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === "string")) {
      return `${list} is not a list of ${length} names`;
    }
  }
  for (const fn of ["loss", "lossAndGradient", "predict"]) {
    if (typeof exports[fn] !== "function") return `it exports no function ${fn}`;
  }
  return exports as unknown as GeneratedModel;
}
