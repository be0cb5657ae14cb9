/**
 * prettier, in-process, with symgrad's own fixed options: generated text must not depend on the
 * prettier configuration of whatever project runs the generator. (The repository's .prettierrc.json
 * says the same for hand-written code.)
 */
import * as prettier from "prettier";

const OPTIONS: prettier.Options = {
  parser: "babel-ts",
  printWidth: 120,
  trailingComma: "all",
  semi: true,
  singleQuote: false,
};

export function formatTypeScript(source: string): Promise<string> {
  return prettier.format(source, OPTIONS);
}
