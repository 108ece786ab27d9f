/**
 * JSON Schema (draft-07) of one bundle document, base or overlay
 * (reference/juju-model.md §1.2–1.3), and the per-document checks JSON Schema
 * cannot word well. Unknown keys are errors: tsops is stricter than Juju, which
 * only reports them. `description` on a pattern is what messages quote.
 */
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { describeValue } from '../../ops/meta/config.js';
import { schemaProblems } from '../../ops/meta/problems.js';
import type { Problems } from './errors.js';
import { report } from './source.js';
import type { SourceDoc } from './source.js';

/** Juju's application name rule: lowercase, hyphenated, no all-digit word after a hyphen. */
export const APP_NAME = '[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*';
const ENDPOINT_NAME = '[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*';
/** A relation side: `app` or `app:endpoint`. */
export const RELATION_SIDE = new RegExp(`^(${APP_NAME})(?::(${ENDPOINT_NAME}))?$`);

/** A scalar as YAML gives it. */
export type RawScalar = string | number | boolean;

/** An application as a document writes it (only the keys tsops uses are typed). */
export interface RawApp {
  charm?: string;
  num_units?: number;
  scale?: number;
  options?: Record<string, RawScalar | null>;
  constraints?: string;
  to?: Array<string | number>;
  expose?: boolean;
  trust?: boolean;
  annotations?: Record<string, RawScalar>;
}

/** A machine as a document writes it. */
export interface RawMachine {
  constraints?: string;
  annotations?: Record<string, RawScalar>;
}

/** One bundle document as the schema accepts it (a base document is the stricter case). */
export interface RawBundleDoc {
  description?: string;
  applications?: Record<string, RawApp | null>;
  /** Null (`machines:` with nothing under it) counts as absent, as in Juju. */
  machines?: Record<string, RawMachine | null> | null;
  relations?: string[][] | null;
}

const annotations = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } };
const constraints = {
  type: 'string',
  pattern: '^\\s*(?:[a-z][a-z0-9-]*=\\S*(?:\\s+|$))*$',
  description: 'constraints as space-separated key=value pairs (cores=4 mem=8G)',
};
// Accepted so that Juju bundles load, and ignored: tsops has no store, spaces, storage pools or OS choice.
const ignored = {
  base: { type: 'string' },
  series: { type: 'string' },
  channel: { type: 'string' },
  revision: { type: 'integer', minimum: 0 },
  storage: { type: 'object', additionalProperties: { type: ['string', 'integer'] } },
  bindings: { type: 'object', additionalProperties: { type: 'string' } },
  resources: { type: 'object', additionalProperties: { type: ['string', 'integer'] } },
};

function appSchema(overlay: boolean): object {
  return {
    type: overlay ? ['object', 'null'] : 'object',
    ...(overlay ? {} : { required: ['charm'] }),
    additionalProperties: false,
    properties: {
      charm: {
        type: 'string',
        pattern: '^\\S+$',
        description: 'a charm reference (a path, or a name under charms/)',
      },
      num_units: { type: 'integer', minimum: 0 },
      scale: { type: 'integer', minimum: 0 },
      options: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
      constraints,
      to: { type: 'array', items: { type: ['string', 'integer'] } },
      expose: { type: 'boolean' },
      trust: { type: 'boolean' },
      annotations,
      ...ignored,
      // Overlay-only (refused in the base by docProblems); tsops has no cross-model offers.
      offers: { type: 'object' },
      'exposed-endpoints': { type: 'object' },
    },
  };
}

function bundleSchema(overlay: boolean): object {
  return {
    type: 'object',
    ...(overlay ? {} : { required: ['applications'] }),
    additionalProperties: false,
    properties: {
      description: { type: 'string' },
      'default-base': { type: 'string' },
      series: { type: 'string' },
      applications: {
        type: 'object',
        propertyNames: {
          pattern: `^${APP_NAME}$`,
          description:
            "an application name (lowercase letters and digits, words joined by '-', starting with a letter)",
        },
        additionalProperties: appSchema(overlay),
      },
      machines: {
        type: ['object', 'null'],
        propertyNames: { pattern: '^(?:0|[1-9][0-9]*)$', description: 'a machine id ("0", "1", ...)' },
        additionalProperties: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { constraints, annotations, base: { type: 'string' }, series: { type: 'string' } },
        },
      },
      relations: {
        type: ['array', 'null'],
        items: {
          type: 'array',
          items: {
            type: 'string',
            pattern: RELATION_SIDE.source,
            description: "an application, optionally with ':endpoint' (slurmd:slurmctld)",
          },
        },
      },
    },
  };
}

let validators: { base: ValidateFunction<RawBundleDoc>; overlay: ValidateFunction<RawBundleDoc> } | undefined;

function validatorFor(overlay: boolean): ValidateFunction<RawBundleDoc> {
  if (!validators) {
    // verbose: errors carry the failing data and schema, which the messages quote.
    const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true });
    validators = {
      base: ajv.compile<RawBundleDoc>(bundleSchema(false)),
      overlay: ajv.compile<RawBundleDoc>(bundleSchema(true)),
    };
  }
  return overlay ? validators.overlay : validators.base;
}

/** Validates one document; returns its data typed, or undefined after reporting its problems. */
export function validateDoc(src: SourceDoc, problems: Problems): RawBundleDoc | undefined {
  const validate = validatorFor(src.overlay);
  const data = src.data;
  if (!validate(data)) {
    // A dummy first segment: schemaProblems words top-level unknown keys for charm.yaml, nested ones generically.
    for (const p of schemaProblems(validate.errors ?? [], ['-'])) {
      report(problems, { src, path: p.path.slice(1) }, p.at, p.text);
    }
    return undefined;
  }
  const before = problems.count;
  docProblems(src, data, problems);
  return problems.count === before ? data : undefined;
}

/** What a schema-valid document may still get wrong. */
function docProblems(src: SourceDoc, data: RawBundleDoc, problems: Problems): void {
  const apps = data.applications ?? {};
  if (!src.overlay && Object.keys(apps).length === 0) {
    report(problems, { src, path: ['applications'] }, 'value', 'expected at least one application');
  }
  for (const [name, app] of Object.entries(apps)) {
    if (!app) continue;
    const path = ['applications', name];
    if (app.num_units !== undefined && app.scale !== undefined) {
      report(
        problems,
        { src, path: [...path, 'scale'] },
        'key',
        'expected num_units or scale, not both (scale is the Kubernetes name of num_units)',
      );
    }
    for (const key of ['offers', 'exposed-endpoints']) {
      if (!src.overlay && Object.hasOwn(app, key)) {
        report(
          problems,
          { src, path: [...path, key] },
          'key',
          'allowed only in an overlay (a later document or an --overlay file)',
        );
      }
    }
  }
  (data.relations ?? []).forEach((pair, i) => {
    if (pair.length !== 2) {
      report(
        problems,
        { src, path: ['relations', String(i)] },
        'value',
        `expected a pair [app:endpoint, app:endpoint], got ${describeValue(pair)}`,
      );
    }
  });
}
