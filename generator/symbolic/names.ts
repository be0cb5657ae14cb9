/**
 * Which names a symbol may have, and how generated code spells them.
 *
 * A symbol may have any name JavaScript accepts as an identifier, except the reserved words (which no
 * binding may use in a module): `a`, `out`, `grad`, `Math`, `_t0`, `$x`, `θ`, `constructor` and
 * `__proto__` are all fine. The generated module keeps the user's names wherever they are safe and
 * renames, deterministically, only the locals that would collide with its own names (see `localNames`).
 */

/**
 * Every local, argument and helper the generator invents starts with this prefix and has no further
 * underscore (`_t12`, `_i`, `_n`, `_lossPart0`, `_checkLength`): see `isGeneratorName`.
 */
export const RESERVED_PREFIX = "_";

/**
 * A JavaScript identifier (ECMAScript IdentifierName): a Unicode ID_Start letter, `$` or `_`, then
 * ID_Continue characters, `$`, ZWNJ or ZWJ. Escapes (`\u0061`) are not accepted: a name is its text.
 */
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;

/** The ASCII identifiers, which IDENTIFIER accepts too; tested first because it is much faster (w2_17_5). */
const ASCII_IDENTIFIER = /^[A-Za-z$_][A-Za-z0-9$_]*$/;

/**
 * Words no binding may use in strict (module) code: JavaScript's reserved words, its strict-mode
 * reserved words, and `await` (reserved in modules). TypeScript's contextual keywords (type, number,
 * any, …) are valid variable names and stay allowed.
 */
const RESERVED_WORDS = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false " +
    "finally for function if import in instanceof new null return super switch this throw true try " +
    "typeof var void while with implements interface let package private protected public static yield " +
    "await"
  ).split(" "),
);

/**
 * Names the generated functions' bodies refer to, or that a local may not take: their arguments, the
 * globals they call, the names strict mode forbids as bindings (eval, arguments) and the global values
 * TypeScript refuses to see redeclared (undefined, NaN, Infinity, globalThis). A symbol may still have
 * one of these names; its local in generated code is then renamed.
 */
const NAMES_GENERATED_CODE_USES: ReadonlySet<string> = new Set([
  "params", "X", "Y", "grad", "out", "v", "H",
  "Math", "Float64Array", "Number", "Object", "TypeError", "RangeError", "Array", "String", "JSON",
  "eval", "arguments", "undefined", "NaN", "Infinity", "globalThis",
]);

export function checkSymbolName(name: unknown): asserts name is string {
  if (typeof name !== "string") throw new TypeError(`symbol name must be a string, got ${typeof name}`);
  if (!ASCII_IDENTIFIER.test(name) && !IDENTIFIER.test(name)) {
    throw new RangeError(
      `symbol name ${JSON.stringify(name)} is not a JavaScript identifier (a letter, "$" or "_", then letters, digits, "$" or "_")`,
    );
  }
  if (RESERVED_WORDS.has(name)) throw new RangeError(`symbol name "${name}" is a reserved word in JavaScript`);
}

/** Whether `name` has the shape of a name the generator invents (`_` then letters and digits only). */
export function isGeneratorName(name: string): boolean {
  return name.charCodeAt(0) === 95 /* _ */ && GENERATOR_NAME.test(name);
}

const GENERATOR_NAME = /^_[A-Za-z0-9]*$/;

/** Whether a symbol's name can be used verbatim as a local in generated code. */
export function isSafeLocal(name: string): boolean {
  return !isGeneratorName(name) && !NAMES_GENERATED_CODE_USES.has(name);
}

/**
 * The local variable each symbol gets in generated code, as a lookup from the symbol's name: its own
 * name when that is safe, else `name_1` (or `name_2`, …: the first that is neither another symbol's
 * name among `names` nor already taken). A renamed local contains an underscore after its first
 * character, so it can never be a generator name; the result depends only on the names and their
 * order. Only renamed names are stored: a 66 000-parameter model has none, and a map holding every
 * name took ~0.07 s of each `generate`.
 */
export function localNames(names: readonly string[]): (name: string) => string {
  const renamed = new Map<string, string>();
  let taken: Set<string> | undefined; // built at the first name that needs renaming (most models have none)
  for (const name of names) {
    if (isSafeLocal(name) || renamed.has(name)) continue;
    taken ??= new Set(names);
    let k = 1;
    while (taken.has(`${name}_${k}`) || !isSafeLocal(`${name}_${k}`)) k++;
    const local = `${name}_${k}`;
    taken.add(local);
    renamed.set(name, local);
  }
  return (name) => renamed.get(name) ?? name;
}
