/**
 * The dashboard's files: plain HTML, CSS and ES modules from static/ beside this
 * file, plus the one module the browser shares with the CLI (status colours and
 * the model's settled/busy words), compiled from TypeScript when first asked for.
 * Only files found here are ever served, by exact name: no path reaches the disk.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

/** One file ready to send. */
export interface Asset {
  body: Buffer;
  type: string;
}

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
const SHARED_SOURCE = fileURLToPath(new URL('../api/status-style.ts', import.meta.url));
/** The name the browser imports the shared module by. */
export const SHARED_MODULE = 'status-style.js';

const JS_TYPE = 'text/javascript; charset=utf-8';
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': JS_TYPE,
  '.svg': 'image/svg+xml',
};

async function loadAll(): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const entry of await readdir(STATIC_DIR, { withFileTypes: true })) {
    const type = TYPES[extname(entry.name)];
    if (!entry.isFile() || type === undefined) continue;
    assets.set(entry.name, { body: await readFile(join(STATIC_DIR, entry.name)), type });
  }
  const shared = await transform(await readFile(SHARED_SOURCE, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'es2022',
    sourcefile: 'status-style.ts',
  });
  assets.set(SHARED_MODULE, { body: Buffer.from(shared.code), type: JS_TYPE });
  return assets;
}

let cache: Promise<Map<string, Asset>> | undefined;

/** The dashboard's files by name (`index.html`, `main.js`, ...), read once per process. */
export function dashboardAssets(): Promise<Map<string, Asset>> {
  cache ??= loadAll();
  // A failed read is retried on the next request rather than remembered.
  cache.catch(() => (cache = undefined));
  return cache;
}
