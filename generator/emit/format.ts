/** prettier, in-process, with the repository's pinned configuration (.prettierrc.json). */
import * as prettier from "prettier";
import { fileURLToPath } from "node:url";

const CONFIG_ANCHOR = fileURLToPath(new URL("../../generated/index.ts", import.meta.url));

let config: Promise<prettier.Options | null> | undefined;

export async function formatTypeScript(source: string): Promise<string> {
  config ??= prettier.resolveConfig(CONFIG_ANCHOR, { editorconfig: false });
  return prettier.format(source, { ...(await config), parser: "babel-ts" });
}
