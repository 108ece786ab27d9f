// Build the bundled entry points (one self-contained ESM file each, run with plain node):
// the tsops CLI. Charms are bundled by `tsops pack`.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  keepNames: true,
  sourcemap: 'linked',
  // Native addons and esbuild itself load from node_modules.
  external: ['better-sqlite3', 'esbuild'],
  banner: {
    js: "import { createRequire as __tsopsRequire } from 'node:module'; const require = __tsopsRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { 'cli/tsops': 'framework/cli/bin.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
});
// The packer as a library, for the dispatch benchmark (tests/bench/dispatch.mjs).
await build({
  ...common,
  entryPoints: { pack: 'framework/controller/pack.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
});
