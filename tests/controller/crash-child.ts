/**
 * The controller under test in crash.test.ts, run as `node --import tsx crash-child.ts
 * <model dir> <bundle>...`: opens the model, deploys each bundle in turn and waits for
 * it to settle. Restartable after a SIGKILL at any instant: each deploy diffs against
 * the model, so re-running one applies only what is missing.
 */
import { loadBundle } from '../../framework/controller/bundle/index.js';
import { importCharmClass, loadCharm } from '../../framework/controller/charms.js';
import { deployBundle } from '../../framework/controller/model-bundle.js';
import { ModelController } from '../../framework/controller/model-controller.js';

const [dir, ...bundles] = process.argv.slice(2);
if (!dir || bundles.length === 0) {
  process.stderr.write('usage: crash-child.ts <model dir> <bundle>...\n');
  process.exit(2);
}
// Warm up before the model is touched (bundle schema, charm modules), so that the
// parent's kill instants, timed from the "open" line, fall on the model's work.
for (const bundle of bundles) {
  const spec = loadBundle(bundle, [], (ref, baseDir) => {
    const c = loadCharm(ref, baseDir);
    return { ...c.meta, path: c.path };
  });
  for (const app of Object.values(spec.applications)) await importCharmClass(app.charmPath);
}
process.stdout.write('open\n');
const mc = ModelController.open('crash', dir);
for (const bundle of bundles) {
  await deployBundle(mc, bundle, [], false);
  await mc.idle();
}
mc.close();
process.stdout.write('done\n');
