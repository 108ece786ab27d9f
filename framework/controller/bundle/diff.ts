/**
 * What deploying a bundle onto a model would do (reference/juju-model.md §1.7):
 * Juju's change list, in dependency order, against what the model already
 * holds. A bundle deploy only adds or changes, never removes, so deploying the
 * same bundle twice gives no changes.
 */
import type { ConfigValue } from '../../ops/meta/types.js';
import { normaliseConstraints } from './apps.js';
import { BundleError } from './errors.js';
import type {
  AddApplication,
  AddRelation,
  AddUnit,
  BundleSpec,
  Change,
  EndpointRef,
  Expose,
  ModelSnapshot,
  SetAnnotations,
  SetConstraints,
  SetOptions,
  UpgradeCharm,
} from './types.js';

/** Order-insensitive identity of a relation. */
function relationKey(a: EndpointRef, b: EndpointRef): string {
  return [`${a.app}:${a.endpoint}`, `${b.app}:${b.endpoint}`].sort().join(' ');
}

/** The entries of `want` whose value differs from `have`'s. */
function changed<T extends ConfigValue>(want: Record<string, T>, have: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(want)) {
    if (!Object.hasOwn(have, k) || have[k] !== v) out[k] = v;
  }
  return out;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The changes that make `current` hold `bundle`: addApplication, upgradeCharm,
 * addUnit, setOptions, setConstraints, expose, setAnnotations, addRelation, each
 * kind for every application in bundle order before the next kind. Throws a
 * BundleError when an application exists with a different charm.
 */
export function diffBundle(bundle: BundleSpec, current: ModelSnapshot): Change[] {
  const adds: AddApplication[] = [];
  const upgrades: UpgradeCharm[] = [];
  const units: AddUnit[] = [];
  const options: SetOptions[] = [];
  const constraints: SetConstraints[] = [];
  const exposes: Expose[] = [];
  const annotations: SetAnnotations[] = [];
  const conflicts: string[] = [];
  for (const app of Object.values(bundle.applications)) {
    const name = app.name;
    const have = Object.hasOwn(current.applications, name) ? current.applications[name] : undefined;
    if (have && have.charmName !== app.meta.name) {
      conflicts.push(
        `applications.${name}.charm: application '${name}' already runs charm '${have.charmName}'; ` +
          `the bundle wants charm '${app.meta.name}' (remove the application first, or rename it in the bundle)`,
      );
      continue;
    }
    if (!have) {
      const opts = Object.keys(app.options).length
        ? ` with ${plural(Object.keys(app.options).length, 'option')}`
        : '';
      adds.push({
        kind: 'addApplication',
        app: name,
        charmPath: app.charmPath,
        charmName: app.meta.name,
        options: { ...app.options },
        constraints: app.constraints,
        trust: app.trust,
        subordinate: app.subordinate,
        description: `deploy application ${name} (charm ${app.meta.name} from ${app.charmPath})${opts}`,
      });
    } else if (have.charmPath !== app.charmPath) {
      upgrades.push({
        kind: 'upgradeCharm',
        app: name,
        charmPath: app.charmPath,
        from: have.charmPath,
        description: `upgrade ${name} to charm ${app.meta.name} from ${app.charmPath} (was ${have.charmPath})`,
      });
    }
    const count = app.numUnits - (have?.numUnits ?? 0);
    if (count > 0) {
      const start = app.numUnits - count;
      units.push({
        kind: 'addUnit',
        app: name,
        count,
        to: app.to.slice(start, app.numUnits),
        description: `add unit ${name}/… ×${count}`,
      });
    }
    if (have) {
      const diff = changed(app.options, have.options);
      const keys = Object.keys(diff);
      if (keys.length) {
        options.push({
          kind: 'setOptions',
          app: name,
          options: diff,
          description: `set options of ${name}: ${keys.join(', ')}`,
        });
      }
      if (app.constraints && app.constraints !== normaliseConstraints(have.constraints)) {
        constraints.push({
          kind: 'setConstraints',
          app: name,
          constraints: app.constraints,
          description: `set constraints of ${name} to "${app.constraints}"`,
        });
      }
    }
    if (app.expose && !have?.expose)
      exposes.push({ kind: 'expose', app: name, description: `expose ${name}` });
    const notes = changed(app.annotations, have?.annotations ?? {});
    if (Object.keys(notes).length) {
      annotations.push({
        kind: 'setAnnotations',
        app: name,
        annotations: notes,
        description: `set annotations of ${name}: ${Object.keys(notes).join(', ')}`,
      });
    }
  }
  if (conflicts.length) throw new BundleError('cannot deploy bundle onto this model', conflicts);
  const related = new Set(current.relations.map((r) => relationKey(r.a, r.b)));
  const relations: AddRelation[] = [];
  for (const r of bundle.relations) {
    const key = relationKey(r.a, r.b);
    if (related.has(key)) continue;
    related.add(key);
    relations.push({
      kind: 'addRelation',
      a: { ...r.a },
      b: { ...r.b },
      interface: r.interface,
      scope: r.scope,
      description: `integrate ${r.a.app}:${r.a.endpoint} with ${r.b.app}:${r.b.endpoint} (${r.interface})`,
    });
  }
  return [
    ...adds,
    ...upgrades,
    ...units,
    ...options,
    ...constraints,
    ...exposes,
    ...annotations,
    ...relations,
  ];
}
