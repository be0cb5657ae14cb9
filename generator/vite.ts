/**
 * symgrad/vite: a Vite plugin that runs the generator on the server side and serves generated modules.
 *
 *   import * as net from "./models/net.ts?symgrad";          // the generated module of a model file
 *   import * as units from "./models/net.ts?symgrad&probe";  // its hidden units as outputs (per-neuron maps)
 *   import * as m from "virtual:symgrad/mlp?layers=2,8,8,1&activation=tanh&output=sigmoid&loss=bce";
 *   //   optional: &features=x1,x2,x1sq,x2sq,x1x2,sin_x1,sin_x2,cos_x1,cos_x2 (one per unit of layers[0]), &probe
 *   import source from "virtual:symgrad/mlp?…&source";      // the generated TypeScript as a string
 *
 * The browser only ever receives generated code. A model file and everything it imports are loaded by a
 * private Vite module runner together with the pipeline (one copy of the symbolic core for both); a change
 * to any of those files regenerates the module and hot-updates its importers. A model that throws is
 * reported with its own message (Vite's error overlay in dev, a build error otherwise).
 */
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createServer,
  createServerModuleRunner,
  transformWithOxc,
  type EnvironmentModuleNode,
  type ModuleNode,
  type Plugin,
  type ViteDevServer,
} from "vite";
import type { ModelDefinition } from "./model.ts";
import type { MlpRequest } from "./vite-models.ts";

/** A sibling of this file: .ts in the repository, .js once the package is compiled to JavaScript. */
const sibling = (name: string) => fileURLToPath(new URL(`./${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
const PIPELINE = sibling("pipeline");
const EMIT_MODULE = sibling("emit/module");
const MODEL = sibling("model");
const MODEL_BUILDERS = sibling("vite-models");

const VIRTUAL_MLP = "virtual:symgrad/mlp";
/** Rollup's convention: a leading \0 marks an id no other plugin should try to load from disk. */
const RESOLVED_VIRTUAL_MLP = `\0${VIRTUAL_MLP}`;

/** What one import asks for, read from its id. */
interface Request {
  /** The model file, or undefined for a virtual MLP spec. */
  readonly file?: string;
  readonly mlp?: MlpRequest;
  readonly probe: boolean;
  /** Serve the generated TypeScript as a string (default export) instead of the module. */
  readonly source: boolean;
}

interface Generated {
  readonly code: string;
  /** Files (model, its imports, the generator) whose change makes this result stale. */
  readonly dependencies: ReadonlySet<string>;
}

export default function symgrad(): Plugin {
  let root = process.cwd();
  const loader = new GeneratorLoader(() => root);
  /** Generated modules by id; `dependencies` is filled in once the generation has finished. */
  const cache = new Map<string, { result: Promise<Generated>; dependencies?: ReadonlySet<string> }>();

  /** Which generated ids read each file (kept after invalidation, so every hook that sees a change finds them). */
  const dependents = new Map<string, Set<string>>();

  /** Drops every result that read `file` (and any still being made). */
  function invalidate(file: string): void {
    loader.fileChanged(file);
    for (const [id, entry] of cache) {
      if (entry.dependencies === undefined || entry.dependencies.has(file)) cache.delete(id);
    }
  }

  function generate(id: string, request: Request): Promise<Generated> {
    const cached = cache.get(id);
    if (cached) return cached.result;
    const entry: { result: Promise<Generated>; dependencies?: ReadonlySet<string> } = {
      result: loader.generate(request),
    };
    cache.set(id, entry);
    entry.result.then(
      (generated) => {
        entry.dependencies = generated.dependencies;
        for (const file of generated.dependencies) {
          if (!dependents.has(file)) dependents.set(file, new Set());
          dependents.get(file)!.add(id);
        }
      },
      () => cache.get(id) === entry && cache.delete(id),
    );
    return entry.result;
  }

  return {
    name: "symgrad",
    enforce: "pre",

    configResolved(config) {
      root = config.root;
    },

    resolveId(source) {
      if (source.startsWith(VIRTUAL_MLP)) return `\0${source}`;
      return undefined;
    },

    async load(id) {
      const request = parseId(id);
      if (!request) return undefined;
      let generated: Generated;
      try {
        generated = await generate(id, request);
      } catch (error) {
        const what = request.file ?? VIRTUAL_MLP;
        return this.error(`symgrad: ${what}: ${(error as Error).message}`);
      }
      for (const file of generated.dependencies) this.addWatchFile(file);
      return { code: generated.code, moduleType: "js" };
    },

    watchChange(file) {
      invalidate(file);
    },

    // A model file's change reaches its ?symgrad module through Vite's own graph; a change to a file the
    // model imports (known only to the loader) is added here, so the generated module hot-updates too.
    handleHotUpdate({ file, server, modules }) {
      const ids = dependents.get(file);
      if (!ids) return undefined;
      invalidate(file);
      const generated = [...ids]
        .map((id) => server.moduleGraph.getModuleById(id))
        .filter((m): m is ModuleNode => m !== undefined);
      for (const module of generated) server.moduleGraph.invalidateModule(module);
      return [...new Set([...modules, ...generated])];
    },

    async closeBundle() {
      await loader.close();
    },
  };
}

/** `file.ts?symgrad[&probe][&source]` or `\0virtual:symgrad/mlp?…`; undefined for any other id. */
function parseId(id: string): Request | undefined {
  const q = id.indexOf("?");
  if (q < 0) return undefined;
  const path = id.slice(0, q);
  const query = new URLSearchParams(id.slice(q + 1));
  const flags = { probe: query.has("probe"), source: query.has("source") };
  if (path === RESOLVED_VIRTUAL_MLP) return { mlp: parseMlpQuery(query), ...flags };
  if (query.has("symgrad")) return { file: path, ...flags };
  return undefined;
}

function parseMlpQuery(query: URLSearchParams): MlpRequest {
  const layers = (query.get("layers") ?? "").split(",").map(Number);
  const features = query.get("features");
  return {
    layers,
    activation: (query.get("activation") ?? "tanh") as MlpRequest["activation"],
    output: (query.get("output") ?? "sigmoid") as MlpRequest["output"],
    loss: (query.get("loss") ?? "bce") as MlpRequest["loss"],
    ...(features ? { features: features.split(",") as unknown as MlpRequest["features"] } : {}),
  };
}

/**
 * Runs model files and the pipeline in a private Vite server's module runner: TypeScript model files load
 * whatever their package says, their imports are tracked in its module graph, and one fresh runner per
 * generation means an edited file is always re-executed (the transforms of unchanged files stay cached).
 */
class GeneratorLoader {
  private server?: Promise<ViteDevServer>;

  constructor(private readonly root: () => string) {}

  async generate(request: Request): Promise<Generated> {
    const server = await this.start();
    const environment = server.environments.ssr;
    const runner = createServerModuleRunner(environment, { hmr: false });
    try {
      const { generateModule } = (await runner.import(PIPELINE)) as typeof import("./pipeline.ts");
      const { isModelDefinition } = (await runner.import(MODEL)) as typeof import("./model.ts");
      const builders = (await runner.import(MODEL_BUILDERS)) as typeof import("./vite-models.ts");
      let model: ModelDefinition;
      if (request.file) {
        const loaded = (await runner.import(request.file)) as { default?: unknown };
        if (!isModelDefinition(loaded.default)) throw new Error("the default export must be made by defineModel(...)");
        model = loaded.default;
      } else {
        model = builders.mlpModel(request.mlp!);
      }
      if (request.probe) model = builders.probeModel(model);
      const { DEFAULT_EMIT_OPTIONS } = (await runner.import(EMIT_MODULE)) as typeof import("./emit/module.ts");
      // A probe only predicts: no second-order functions, no WebAssembly lossAndGradient (EmitOptions).
      const { content } = await generateModule(model, { ...DEFAULT_EMIT_OPTIONS, secondOrder: !request.probe, wasm: !request.probe });
      const code = request.source
        ? `export default ${JSON.stringify(content)};\n`
        : (await transformWithOxc(content, `${model.name}.ts`, { lang: "ts" })).code;
      const roots = [PIPELINE, MODEL_BUILDERS, ...(request.file ? [request.file] : [])];
      return { code, dependencies: localDependencies(roots, (id) => environment.moduleGraph.getModuleById(id)) };
    } finally {
      await runner.close();
    }
  }

  /** A file changed: forget its transform so the next runner reads it again. */
  fileChanged(file: string): void {
    void this.server?.then((server) => server.environments.ssr.moduleGraph.onFileChange(file));
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await (await server).close();
  }

  private start(): Promise<ViteDevServer> {
    this.server ??= createServer({
      configFile: false,
      root: this.root(),
      logLevel: "silent",
      appType: "custom",
      server: { middlewareMode: true, hmr: false, ws: false, watch: null },
      optimizeDeps: { noDiscovery: true, include: [] },
    });
    return this.server;
  }
}

/** The files outside node_modules that the roots import, directly or not (the roots included). */
function localDependencies(
  roots: readonly string[],
  lookup: (id: string) => EnvironmentModuleNode | undefined,
): Set<string> {
  const files = new Set<string>();
  const pending = roots.map(lookup).filter((m): m is EnvironmentModuleNode => m !== undefined);
  const seen = new Set(pending);
  while (pending.length > 0) {
    const module = pending.pop()!;
    if (module.file && !module.file.includes("/node_modules/")) files.add(module.file);
    for (const imported of module.importedModules) {
      if (!seen.has(imported)) {
        seen.add(imported);
        pending.push(imported);
      }
    }
  }
  return files;
}
