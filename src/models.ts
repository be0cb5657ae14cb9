/**
 * The model registry: names to generated modules. The runtime reaches generated code only through here.
 */
import type { GeneratedModel } from "./contract.ts";
import { MODELS as GENERATED } from "../generated/index.ts";

export const MODELS: Readonly<Record<string, GeneratedModel>> = GENERATED;

export const MODEL_NAMES = Object.keys(MODELS).sort();

export function getModel(name: string): GeneratedModel | undefined {
  return Object.hasOwn(MODELS, name) ? MODELS[name] : undefined;
}
