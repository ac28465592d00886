/**
 * Builds the `mtl` CLI into apps/cli/dist/bundle (one ESM entry, mtl.js, plus chunks loaded when a
 * command needs them) with esbuild, so that a command starts without transpiling a few hundred
 * TypeScript files. bin/mtl.mjs runs it, building first when the bundle is missing or older than
 * a workspace source; `pnpm install` builds it once (the root's postinstall).
 *
 * Workspace sources are bundled; native and file-reading packages stay external, imported by
 * the absolute path their own package resolves them to (pnpm does not hoist them next to dist).
 * `import.meta.url` in a workspace source keeps meaning that source file, so what it finds beside
 * itself (the store's migrations, the worker's training thread and Python helpers) is found, and
 * training threads still run the TypeScript sources through tsx.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = join(CLI, "..", "..");
/** The built entry. */
export const BUNDLE = join(CLI, "dist", "bundle", "mtl.js");

/**
 * Packages loaded as they are: native code, wasm or files beside them. Ink, React and yoga are
 * bundled: loaded from node_modules they were some 150 small ES modules, each resolved and
 * compiled at start, most of the dashboard's time to its first frame. (React still picks its
 * production build at run time, from NODE_ENV, as its own entry does.) Ink imports React's
 * devtools only when DEV is set, which needs them installed anyway.
 */
const EXTERNAL = /^(@tensorflow\/|better-sqlite3$|mnist$|tsx($|\/)|esbuild$)/;

const workspaceFiles = {
  name: "mtl-workspace",
  setup(b) {
    b.onResolve({ filter: EXTERNAL }, async (args) => {
      if (args.pluginData === "external") return undefined;
      const found = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: "external",
      });
      if (found.errors.length > 0) return { errors: found.errors };
      return { path: pathToFileURL(found.path).href, external: true };
    });
    b.onLoad({ filter: /\.tsx?$/ }, (args) => {
      if (args.path.includes("node_modules")) return undefined;
      const source = readFileSync(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      const here = JSON.stringify(pathToFileURL(args.path).href);
      return {
        contents: source.replaceAll("import.meta.url", here),
        loader: args.path.endsWith("x") ? "tsx" : "ts",
      };
    });
  },
};

/** Builds the CLI; resolves once dist/bundle/mtl.js is written. */
export async function buildCli() {
  const { build } = await import("esbuild");
  await build({
    entryPoints: { mtl: join(CLI, "src", "main.ts") },
    outdir: dirname(BUNDLE),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    chunkNames: "chunks/[name]-[hash]",
    // Replaced in the bundle only: loadExperiment registers tsx's loader itself there.
    define: { "process.env.MTL_BUNDLED": '"1"' },
    // CommonJS packages bundled into ESM still call require().
    banner: {
      js: 'import { createRequire as __mtlRequire } from "node:module"; const require = __mtlRequire(import.meta.url);',
    },
    plugins: [workspaceFiles],
    // Not installed; imported by Ink only when DEV is set.
    external: ["react-devtools-core"],
    logLevel: "warning",
    minifyWhitespace: true,
    minifySyntax: true,
  });
}

/** The newest modification time (ms) of the workspace's sources, package manifests and lockfile. */
function newestSource() {
  let newest = statSync(join(ROOT, "pnpm-lock.yaml"), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (/\.(ts|tsx|json)$/.test(e.name))
        newest = Math.max(newest, statSync(join(dir, e.name)).mtimeMs);
    }
  };
  for (const group of ["packages", "apps"])
    for (const pkg of readdirSync(join(ROOT, group))) {
      const src = join(ROOT, group, pkg, "src");
      if (existsSync(src)) walk(src);
      // A package's exports and sideEffects decide what the bundle holds and loads.
      const manifest = statSync(join(ROOT, group, pkg, "package.json"), { throwIfNoEntry: false });
      if (manifest) newest = Math.max(newest, manifest.mtimeMs);
    }
  return newest;
}

/** Whether the bundle is missing or older than a source it was built from. */
export function isStale() {
  const built = statSync(BUNDLE, { throwIfNoEntry: false })?.mtimeMs;
  return built === undefined || built < newestSource();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
