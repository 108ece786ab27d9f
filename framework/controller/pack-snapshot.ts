/**
 * The startup snapshot `tsops pack` builds beside the plain bundle. Node 20 builds a
 * snapshot from one CommonJS script that only `require`s built-ins, so the charm is
 * bundled again as CJS (build/charm.snapshot.cjs) and run under
 * `node --build-snapshot`: its modules (the framework, winston, the charm class) are
 * evaluated then, at pack time, and `main()` registers the dispatch to run when a hook
 * starts from the blob (framework/ops/dispatch/snapshot.ts). So a charm's module-level
 * code runs once, when packing: anything per hook belongs in handlers.
 *
 * Packages the charm only loads on demand (yaml and ajv: actions, or no
 * build/charm.json) stay out of the snapshot's heap, which every hook deserialises, and
 * go to build/charm.vendor.cjs, required the first time they are used.
 *
 * The blob only loads in the node that built it, so build/charm.blob.node records that
 * node (its version in the content, its binary's mtime as the file's mtime) for the
 * dispatch script to compare; node itself refuses (exit 14) any other blob.
 */
import { execFile } from 'node:child_process';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { BuildOptions, Message, Metafile, Plugin } from 'esbuild';

const run = promisify(execFile);

/** Names inside the charm's build folder. */
export const SNAPSHOT_FILES = {
  entry: 'charm.snapshot.cjs',
  blob: 'charm.blob',
  stamp: 'charm.blob.node',
  vendor: 'charm.vendor.cjs',
} as const;

/** Prepended to the snapshot's bundle: the module object, import.meta.url and the vendor loader. */
const SNAPSHOT_PRELUDE = [
  'var module={exports:{}},exports=module.exports,',
  '__tsopsFile=()=>require("node:v8").startupSnapshot.isBuildingSnapshot()||!process.argv[1]?__filename:require("node:path").resolve(process.argv[1]),',
  '__tsopsMeta={get url(){return require("node:url").pathToFileURL(__tsopsFile()).href}},',
  '__tsopsVendorMod,',
  '__tsopsVendor=(id)=>(__tsopsVendorMod??=require("node:module").createRequire(__tsopsFile())("./charm.vendor.cjs"))[id];',
].join('');

/** Set by `runAfterSnapshot` (framework/ops/dispatch/snapshot.ts) once the dispatch is registered. */
const REGISTERED = "globalThis[Symbol.for('tsops.snapshotMain')]";

/**
 * CommonJS has no top-level await: in the charm's entry file only, the closing
 * `await main(MyCharm)` becomes `main(MyCharm)`; while building the snapshot main()
 * just registers the dispatch and resolves at once, so nothing is lost.
 */
function dropEntryAwait(entry: string): Plugin {
  return {
    name: 'tsops-snapshot-entry',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        if (args.path !== entry) return undefined;
        const source = await readFile(entry, 'utf8');
        return { contents: source.replace(/\bawait(\s+)main(\s*)\(/g, 'main$1$2('), loader: 'ts' };
      });
    },
  };
}

/** The package a bare specifier names: 'ajv/dist/core' is 'ajv', '@a/b/c' is '@a/b'. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/**
 * The packages that the plain bundle loads only on demand (found only in chunks that
 * nothing imports statically from the entry), e.g. yaml and ajv: for actions, or
 * without build/charm.json. The snapshot leaves them out (every MB of heap costs each
 * hook ~4 ms to deserialise); they are bundled in build/charm.vendor.cjs instead.
 */
export function lazyPackages(metafile: Metafile, entryOutput: string): Set<string> {
  const outputs = metafile.outputs;
  const packagesOf = (out: string): string[] =>
    Object.keys(outputs[out]?.inputs ?? {}).flatMap((input) => {
      const m = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1);
      return m?.[1] ? [m[1]] : [];
    });
  const eager = new Set<string>();
  // (Chunks that dynamic imports load are entry points too: start from the charm's bundle.)
  const todo = Object.keys(outputs).filter((out) => out === entryOutput || out.endsWith(`/${entryOutput}`));
  for (let out = todo.pop(); out !== undefined; out = todo.pop()) {
    if (eager.has(out)) continue;
    eager.add(out);
    for (const i of outputs[out]?.imports ?? [])
      if (i.kind === 'import-statement' && outputs[i.path]) todo.push(i.path);
  }
  const eagerPackages = new Set([...eager].flatMap(packagesOf));
  return new Set(
    Object.keys(outputs)
      .flatMap(packagesOf)
      .filter((p) => !eagerPackages.has(p)),
  );
}

/** In the snapshot's bundle, an import of a lazy package reads it from charm.vendor.cjs. */
function vendorShims(lazy: Set<string>, wanted: Map<string, string>): Plugin {
  return {
    name: 'tsops-snapshot-vendor',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind === 'entry-point' || !lazy.has(packageOf(args.path))) return undefined;
        if (!wanted.has(args.path)) wanted.set(args.path, args.resolveDir);
        return { path: args.path, namespace: 'tsops-vendor' };
      });
      b.onLoad({ filter: /.*/, namespace: 'tsops-vendor' }, (args) => ({
        contents: `module.exports=__tsopsVendor(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}

/** build/charm.vendor.cjs: `{ specifier: module }` for each lazy import the snapshot's bundle has. */
async function buildVendor(
  wanted: Map<string, string>,
  outfile: string,
  options: BuildOptions,
): Promise<void> {
  const specs = [...wanted.keys()];
  const { build } = await import('esbuild');
  await build({
    ...options,
    stdin: {
      contents: `module.exports={${specs.map((s, i) => `${JSON.stringify(s)}:require("tsops-vendor:${i}")`).join(',')}};`,
      loader: 'js',
      sourcefile: 'charm.vendor.cjs',
    },
    outfile,
    format: 'cjs',
    plugins: [
      {
        name: 'tsops-vendor-entry',
        setup(b) {
          b.onResolve({ filter: /^tsops-vendor:\d+$/ }, async (args) => {
            const spec = specs[Number(args.path.slice('tsops-vendor:'.length))] ?? '';
            const r = await b.resolve(spec, { kind: 'require-call', resolveDir: wanted.get(spec) ?? '' });
            return r.errors.length ? { errors: r.errors } : { path: r.path };
          });
        },
      },
    ],
    logLevel: 'silent',
  });
}

/** Remove a previous snapshot, so a failed pack never leaves one of older charm code. */
export async function removeSnapshot(buildDir: string): Promise<void> {
  for (const f of Object.values(SNAPSHOT_FILES)) {
    await rm(join(buildDir, f), { force: true });
    await rm(join(buildDir, `${f}.map`), { force: true });
  }
}

/**
 * Bundle `entry` as CJS and build build/charm.blob from it with this node. Resolves
 * with the blob's path, or with `skipped` saying why there is none (the charm still
 * runs from the plain bundle).
 */
export async function buildSnapshot(
  entry: string,
  buildDir: string,
  esbuildOptions: BuildOptions,
  lazy: Set<string>,
): Promise<{ blobPath: string } | { skipped: string }> {
  const cjsPath = join(buildDir, SNAPSHOT_FILES.entry);
  const blobPath = join(buildDir, SNAPSHOT_FILES.blob);
  const stampPath = join(buildDir, SNAPSHOT_FILES.stamp);
  const { build } = await import('esbuild');
  const wanted = new Map<string, string>();
  try {
    await build({
      ...esbuildOptions,
      entryPoints: [entry],
      outfile: cjsPath,
      format: 'cjs',
      splitting: false,
      // import.meta.url is, as in the ESM bundle, build/charm.mjs's URL (which the dispatch
      // script passes as argv[1]) when read in a hook; this file's while building.
      define: { 'import.meta.url': '__tsopsMeta.url' },
      // The snapshot's entry script gets require (built-ins only) and __filename but no module.
      banner: { js: SNAPSHOT_PRELUDE },
      footer: {
        js: `if (!${REGISTERED}) throw new Error("the charm's entry did not call main(MyCharm) when run");`,
      },
      plugins: [dropEntryAwait(entry), vendorShims(lazy, wanted)],
      logLevel: 'silent',
    });
    if (wanted.size > 0) await buildVendor(wanted, join(buildDir, SNAPSHOT_FILES.vendor), esbuildOptions);
  } catch (e) {
    const first = (e as { errors?: Message[] }).errors?.[0];
    const where = first?.location ? `${resolve(first.location.file)}:${first.location.line}: ` : '';
    const why = first ? `${where}${first.text}` : (e as Error).message.split('\n')[0];
    return { skipped: `the charm does not bundle as CommonJS: ${why}` };
  }
  const tmp = `${blobPath}.${process.pid}.tmp`;
  const env = { ...process.env };
  // V8 flags would be baked into the blob, and NODE_OPTIONS is not the hooks' environment.
  delete env.NODE_OPTIONS;
  // Without Node's code cache for its built-ins the blob is 2.6 MB instead of 5.7 MB,
  // and update-status starts ~1.5 ms sooner (less to read than to compile).
  const config = `${tmp}.json`;
  try {
    await writeFile(config, JSON.stringify({ builder: cjsPath, withoutCodeCache: true }));
    await run(process.execPath, ['--snapshot-blob', tmp, '--build-snapshot-config', config], {
      cwd: dirname(buildDir),
      env,
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    // The stamp's mtime is the node binary's, which the dispatch script compares (test -nt/-ot).
    await writeFile(
      stampPath,
      `${process.version} ${process.arch} ${process.platform} ${process.execPath}\n`,
    );
    await run('touch', ['-r', process.execPath, stampPath]);
    await rename(tmp, blobPath);
  } catch (e) {
    await rm(tmp, { force: true });
    await removeSnapshot(buildDir);
    const err = e as Error & { stderr?: string };
    // Node echoes the failing source line (one long line, minified): show the error itself.
    const lines = (err.stderr ?? '').split('\n');
    const why = lines.find((l) => /^\w*(Error|Exception)\b/.test(l)) ?? err.message.split('\n')[0] ?? '';
    return { skipped: `node --build-snapshot failed: ${why.slice(0, 300)}` };
  } finally {
    await rm(config, { force: true });
  }
  return { blobPath };
}
