/**
 * Which names a symbol may have. Generated code uses symbol names as local variables verbatim, so a
 * name must be a plain identifier that cannot clash with JavaScript, with the globals the generated
 * code calls, or with the generator's own locals (all of which start with RESERVED_PREFIX).
 */

/** Every temporary and helper local in generated code starts with this prefix (`_t12`, `_i`, `_n`). */
export const RESERVED_PREFIX = "_";

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Reserved words of JavaScript and TypeScript, the names strict mode (ES modules) forbids as bindings,
 * and the global values a local must not shadow. TypeScript's contextual keywords (type, number, …)
 * are valid variable names and stay allowed.
 */
const RESERVED_WORDS = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false " +
    "finally for function if import in instanceof new null return super switch this throw true try " +
    "typeof var void while with implements interface let package private protected public static yield " +
    "await arguments eval undefined NaN Infinity globalThis"
  ).split(" "),
);

/** Globals that generated modules refer to; a symbol of the same name would shadow them. */
const GLOBALS_USED_BY_GENERATED_CODE = new Set(["Math", "Float64Array", "RangeError", "Number", "Object"]);

export function checkSymbolName(name: unknown): asserts name is string {
  if (typeof name !== "string") throw new TypeError(`symbol name must be a string, got ${typeof name}`);
  if (name.startsWith(RESERVED_PREFIX)) {
    throw new RangeError(
      `symbol name "${name}" starts with "${RESERVED_PREFIX}", which is reserved for the generator's temporaries`,
    );
  }
  if (!IDENTIFIER.test(name)) {
    throw new RangeError(
      `symbol name "${name}" is not a valid identifier (letters, digits and "_", starting with a letter)`,
    );
  }
  if (RESERVED_WORDS.has(name)) throw new RangeError(`symbol name "${name}" is a reserved word in JavaScript/TypeScript`);
  if (GLOBALS_USED_BY_GENERATED_CODE.has(name)) {
    throw new RangeError(`symbol name "${name}" would shadow the global ${name} that generated code uses`);
  }
}
