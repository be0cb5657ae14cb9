/**
 * The compiler's stages for one model, each a pure data-to-data step:
 *   simplify (stable rewrites) → gradient (reverse mode) → lowerStable → schedule.
 * The emitter turns the result into a module; nothing here touches the disk.
 */
import { createHash } from "node:crypto";
import type { ModelDefinition } from "./model.ts";
import { gradient } from "./symbolic/differentiate.ts";
import { lowerStable } from "./symbolic/lower.ts";
import { schedule, type Program } from "./symbolic/schedule.ts";
import { showProgram } from "./symbolic/show.ts";
import { simplifyAll } from "./symbolic/simplify.ts";

export interface CompiledModel {
  readonly definition: ModelDefinition;
  /** Per sample: [loss]. */
  readonly loss: Program;
  /** Per sample: [loss, ∂loss/∂params[0], …]. */
  readonly lossAndGradient: Program;
  /** Per sample: the outputs. */
  readonly predict: Program;
  /** Short hash of everything the generated code depends on. */
  readonly hash: string;
}

export function compileModel(definition: ModelDefinition): CompiledModel {
  const names = (list: readonly { name: string }[]) => list.map((s) => s.name);
  const perSample = new Set([...names(definition.inputs), ...names(definition.targets)]);
  const [loss] = simplifyAll([definition.loss]);
  const outputs = simplifyAll(definition.outputs);
  const grads = gradient(loss, definition.params);
  const programs = {
    loss: schedule(lowerStable([loss]), { varying: perSample }),
    lossAndGradient: schedule(lowerStable([loss, ...grads]), { varying: perSample }),
    predict: schedule(lowerStable(outputs), { varying: new Set(names(definition.inputs)) }),
  };
  return { definition, ...programs, hash: hashOf(definition, programs) };
}

function hashOf(definition: ModelDefinition, programs: Record<string, Program>): string {
  const h = createHash("sha256");
  const names = (list: readonly { name: string }[]) => list.map((s) => s.name).join(",");
  h.update(`${definition.name}|${definition.task}|${names(definition.inputs)}|${names(definition.targets)}|${names(definition.params)}`);
  for (const [name, program] of Object.entries(programs)) h.update(`\n# ${name}\n${showProgram(program)}`);
  return h.digest("hex").slice(0, 16);
}
