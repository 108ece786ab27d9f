/**
 * `export-bundle` (reference/juju-model.md §1.8): a model → bundle YAML in
 * Juju's key order that deploys back to the same model (loading it and
 * diffing against that model gives no changes).
 */
import { Document, isSeq, visit } from 'yaml';
import { BundleError } from './errors.js';
import type { AppSnapshot, ModelSnapshot } from './types.js';

/** What export needs beyond a ModelSnapshot: subordinates lose num_units, trusted apps keep trust. */
export interface ExportSnapshot extends ModelSnapshot {
  description?: string;
  applications: Record<string, AppSnapshot & { subordinate?: boolean; trust?: boolean }>;
}

const byName = <T>(o: Record<string, T>): Array<[string, T]> =>
  Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Bundle YAML for `model`: description, applications (charm as the model
 * recorded it, num_units, user-set options, constraints, expose, annotations,
 * trust), relations without peers. Throws a BundleError for a model with no
 * applications (a bundle needs one).
 */
export function exportBundle(model: ExportSnapshot): string {
  const apps = byName(model.applications);
  if (apps.length === 0) {
    throw new BundleError('cannot export bundle', [
      'applications: nothing to export: the model has no applications',
    ]);
  }
  const applications: Record<string, Record<string, unknown>> = {};
  for (const [name, app] of apps) {
    const out: Record<string, unknown> = { charm: app.charmPath };
    if (!app.subordinate && app.numUnits > 0) out.num_units = app.numUnits;
    if (app.expose) out.expose = true;
    if (Object.keys(app.options).length) out.options = Object.fromEntries(byName(app.options));
    if (Object.keys(app.annotations).length) out.annotations = Object.fromEntries(byName(app.annotations));
    if (app.constraints.trim()) out.constraints = app.constraints.trim();
    if (app.trust) out.trust = true;
    applications[name] = out;
  }
  const relations = model.relations
    .filter((r) => r.a.app !== r.b.app)
    .map((r) => [`${r.a.app}:${r.a.endpoint}`, `${r.b.app}:${r.b.endpoint}`])
    .sort((x, y) => (x.join(' ') < y.join(' ') ? -1 : 1));
  const doc = new Document({
    ...(model.description ? { description: model.description } : {}),
    applications,
    ...(relations.length ? { relations } : {}),
  });
  // Each relation on one line, `- [a:x, b:y]`, as people write them.
  visit(doc, {
    Seq(_key, node, path) {
      if (path.some(isSeq)) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
