/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/** Module shapes the playground imports through Vite: the symgrad/vite plugin's virtual modules and ?raw text. */
declare module "virtual:symgrad/mlp?*" {
  import type { GeneratedModel } from "../contract.ts";
  const model: GeneratedModel & { default: string };
  export = model;
}
declare module "*?raw" {
  const text: string;
  export default text;
}
/** Set by Vite: true on the dev server, false in the static build. */
interface ImportMeta {
  readonly env: { readonly DEV: boolean };
}
