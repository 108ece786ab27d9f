/** Entry of the bundled CLI (dist/cli/tsops.mjs). */
import { processDeps } from './deps.js';
import { run } from './main.js';

process.exitCode = await run(process.argv, processDeps());
