/**
 * Bundle deploys and exports for one model: load and check the bundle (nothing is
 * written if it has any problem), diff it against the model, apply only the
 * difference; export the model as a bundle that deploys back to it.
 */
import {
  BundleError,
  diffBundle,
  exportBundle,
  loadBundle,
  type Change,
  type ModelSnapshot,
} from './bundle/index.js';
import type { BundleSpec, ExportSnapshot } from './bundle/index.js';
import { ApiError } from './api/protocol.js';
import type { ChangeView } from './api/methods.js';
import { loadCharm } from './charms.js';
import type { ModelController } from './model-controller.js';
import { parseStringMap } from './store/json-columns.js';

/** What the model holds, as the bundle differ sees it. */
export function modelSnapshot(mc: ModelController): ExportSnapshot {
  const store = mc.store;
  const applications: ModelSnapshot['applications'] = {};
  for (const a of store.apps()) {
    if (a.life !== 'alive') continue;
    applications[a.name] = {
      charmPath: a.charm_path,
      charmName: store.meta(a).name,
      numUnits: store.units(a.name).filter((u) => u.life === 'alive' && !u.principal).length,
      options: store.appConfig(a),
      constraints: a.constraints,
      expose: a.exposed === 1,
      annotations: parseStringMap(a.annotations, `annotations of ${a.name}`),
    };
  }
  const relations = store
    .relations()
    .filter((r) => !r.peer && r.life === 'alive')
    .map((r) => ({
      a: { app: r.app1, endpoint: r.ep1 },
      b: { app: r.app2, endpoint: r.ep2 },
      interface: r.interface,
      scope: r.scope === 'container' ? ('container' as const) : ('global' as const),
    }));
  return { applications, relations };
}

/** Load, check and apply a bundle (or only plan it, with dryRun). */
export async function deployBundle(
  mc: ModelController,
  path: string,
  overlays: string[],
  dryRun: boolean,
): Promise<ChangeView[]> {
  let changes: Change[];
  let bundle: BundleSpec;
  try {
    bundle = loadBundle(path, overlays, (ref, baseDir) => {
      const c = loadCharm(ref, baseDir);
      return { ...c.meta, path: c.path };
    });
    changes = diffBundle(bundle, modelSnapshot(mc));
  } catch (e) {
    if (e instanceof BundleError) throw new ApiError('bad-request', e.message);
    throw new ApiError('bad-request', `${path}: ${(e as Error).message}`);
  }
  const views = changes.map((c) => ({ kind: c.kind, description: c.description }));
  const upgrade = changes.find((c) => c.kind === 'upgradeCharm');
  if (upgrade && upgrade.kind === 'upgradeCharm') {
    throw new ApiError(
      'bad-request',
      `application '${upgrade.app}' runs ${upgrade.from}; the bundle wants ${upgrade.charmPath}: charm upgrades are not supported yet`,
    );
  }
  if (dryRun) return views;
  const machines = new BundleMachines(mc, bundle);
  for (const c of changes) await apply(mc, c, machines);
  return views;
}

/**
 * The bundle's `machines:` ids mapped to machines of the model: each is created (with
 * its constraints) the first time a unit is placed on it in this deploy.
 */
class BundleMachines {
  private readonly map = new Map<string, string>();

  constructor(
    private readonly mc: ModelController,
    private readonly bundle: BundleSpec,
  ) {}

  /** A bundle placement as a model placement directive. */
  async directive(placement: string): Promise<string> {
    const container = /^(lxd|kvm):(.*)$/.exec(placement);
    if (container) return placement; // no containers on this substrate: a new machine
    if (!/^\d+$/.test(placement)) return placement; // `new`, or `app/N` (a unit of the model)
    let id = this.map.get(placement);
    if (id === undefined) {
      const spec = this.bundle.machines[placement];
      id = this.mc.store.addMachine(spec?.constraints ?? '');
      await this.mc.machines.machine(id);
      this.map.set(placement, id);
    }
    return id;
  }
}

async function apply(mc: ModelController, c: Change, machines: BundleMachines): Promise<void> {
  switch (c.kind) {
    case 'addApplication': {
      const charm = loadCharm(c.charmPath, '/');
      await mc.addApplication({
        name: c.app,
        charmPath: charm.path,
        meta: charm.meta,
        numUnits: 0,
        config: c.options,
        constraints: c.constraints,
        trust: c.trust,
      });
      break;
    }
    case 'addUnit': {
      const to: string[] = [];
      for (const p of c.to) to.push(await machines.directive(p));
      await mc.addUnits(c.app, c.count, to);
      break;
    }
    case 'setOptions': {
      const a = mc.store.app(c.app);
      if (a) {
        mc.store.setAppConfig(c.app, { ...mc.store.appConfig(a), ...c.options });
        mc.scheduler.kick();
      }
      break;
    }
    case 'setConstraints':
      mc.store.updateApp(c.app, { constraints: c.constraints });
      break;
    case 'expose':
      mc.store.updateApp(c.app, { exposed: 1 });
      break;
    case 'setAnnotations': {
      const a = mc.store.app(c.app);
      const current = a ? parseStringMap(a.annotations, `annotations of ${c.app}`) : {};
      mc.store.updateApp(c.app, { annotations: JSON.stringify({ ...current, ...c.annotations }) });
      break;
    }
    case 'addRelation':
      mc.integrate(`${c.a.app}:${c.a.endpoint}`, `${c.b.app}:${c.b.endpoint}`);
      break;
    case 'upgradeCharm':
      break;
  }
}

/** The model as a bundle (YAML). */
export function exportModel(mc: ModelController): string {
  return exportBundle(modelSnapshot(mc));
}
