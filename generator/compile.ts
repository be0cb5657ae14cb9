/**
 * The compiler's stages for one model, each a pure data-to-data step:
 *   simplify (stable rewrites) → gradient (reverse mode) → lowerStable → schedule.
 * The emitter turns the result into a module; nothing here touches the disk.
 */
import type { ModelDefinition } from "./model.ts";
import { gradient } from "./symbolic/differentiate.ts";
import { lowerStable } from "./symbolic/lower.ts";
import { schedule, type Program } from "./symbolic/schedule.ts";
import { simplifyAll } from "./symbolic/simplify.ts";

export interface CompiledModel {
  readonly definition: ModelDefinition;
  /** Per sample: [loss]. */
  readonly loss: Program;
  /** Per sample: [loss, ∂loss/∂params[0], …]. */
  readonly lossAndGradient: Program;
  /** Per sample: the outputs. */
  readonly predict: Program;
}

export function compileModel(definition: ModelDefinition): CompiledModel {
  const names = (list: readonly { name: string }[]) => list.map((s) => s.name);
  const perSample = new Set([...names(definition.inputs), ...names(definition.targets)]);
  const [loss] = simplifyAll([definition.loss]);
  const outputs = simplifyAll(definition.outputs);
  const grads = gradient(loss, definition.params);
  return {
    definition,
    loss: schedule(lowerStable([loss]), { varying: perSample }),
    lossAndGradient: schedule(lowerStable([loss, ...grads]), { varying: perSample }),
    predict: schedule(lowerStable(outputs), { varying: new Set(names(definition.inputs)) }),
  };
}
