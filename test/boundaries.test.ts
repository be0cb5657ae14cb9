/** The import walls of DESIGN.md, read from the import declarations of every file. */
import { describe, expect, it } from "vitest";
import { Project } from "ts-morph";
import { fileURLToPath } from "node:url";
import { dirname, join, relative, resolve } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
const project = new Project({ skipAddingFilesFromTsConfig: true });
project.addSourceFilesAtPaths([`${root}generator/**/*.ts`, `${root}generated/**/*.ts`, `${root}src/**/*.ts`]);

/** What a dynamic import imports: "x" for import("x"), else the whole expression's text. */
const dynamicSpecifier = (text: string) => /^import\(\s*(["'])([^"']*)\1\s*\)$/.exec(text)?.[2] ?? text;

/** Every import/export-from specifier (static and dynamic) of the files under `folder`. */
function importsUnder(folder: string): [file: string, specifier: string][] {
  return project
    .getSourceFiles()
    .filter((f) => relative(root, f.getFilePath()).startsWith(folder))
    .flatMap((f) => {
      const file = relative(root, f.getFilePath());
      const specifiers = [
        ...f.getImportDeclarations().map((d) => d.getModuleSpecifierValue()),
        ...f.getExportDeclarations().flatMap((d) => d.getModuleSpecifierValue() ?? []),
        ...f.getDescendants().filter((n) => n.getText().startsWith("import(")).map((n) => dynamicSpecifier(n.getText())),
      ];
      return specifiers.map((s) => [file, s] as [string, string]);
    });
}

describe("import boundaries", () => {
  it("generated model modules import nothing; the registry imports only its siblings", () => {
    const imports = importsUnder("generated/");
    expect(imports.filter(([file]) => !file.endsWith("index.ts"))).toEqual([]);
    expect(imports.filter(([, s]) => !/^\.\/[a-z0-9_]+\.js$/.test(s))).toEqual([]);
    expect(imports.length).toBeGreaterThan(0);
  });

  it("src/ never imports the generator, ts-morph or prettier", () => {
    // The playground's Vite config is build tooling: it runs the symgrad/vite plugin on the server side.
    // The page's own code stays behind the wall, and test/playground.test.ts checks the built bundle.
    const tooling = new Set(["src/playground/vite.config.ts"]);
    const imports = importsUnder("src/").filter(([file]) => !tooling.has(file));
    expect(imports.filter(([, s]) => /generator|ts-morph|prettier/.test(s))).toEqual([]);
  });

  it("generator/symbolic imports only itself", () => {
    const imports = importsUnder("generator/symbolic/");
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter(([, s]) => !s.startsWith("./") && !s.startsWith("node:"))).toEqual([]);
  });

  it("generator/nn and generator/emit import only the symbolic core, compile.ts, their own folder (and its subfolders), and their libraries", () => {
    const imports = [...importsUnder("generator/nn/"), ...importsUnder("generator/emit/")];
    const libraries = /^(ts-morph|prettier|watr|node:.*)$/;
    const allowed = ([file, specifier]: [string, string]) => {
      if (!specifier.startsWith(".")) return libraries.test(specifier);
      const target = relative(root, resolve(dirname(join(root, file)), specifier)).replaceAll("\\", "/");
      const ownFolder = file.split("/").slice(0, 2).join("/") + "/"; // generator/nn/ or generator/emit/
      return target.startsWith(ownFolder) || target.startsWith("generator/symbolic/") || target === "generator/compile.ts";
    };
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((entry) => !allowed(entry))).toEqual([]);
  });
});
