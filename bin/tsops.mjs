#!/usr/bin/env node
// The built CLI lives in dist/ (npm's `prepare` builds it on install; `npm run build` rebuilds it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/tsops.mjs', import.meta.url));
if (!existsSync(built)) {
  process.stderr.write("tsops: the CLI is not built yet; run 'npm run build' in the tsops folder\n");
  process.exit(1);
}
await import(built);
