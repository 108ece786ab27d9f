/**
 * Action parameters against the action's JSON Schema (reference/juju-model.md
 * §2.5, juju-contract.md §7.6). Validators are compiled on first use and
 * cached per action: compiling costs tens of ms and only action hooks pay it.
 */
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsNs from 'ajv-formats';
import { ActionParamsError } from '../errors.js';
import { pointerToPath } from './problems.js';
import type { ActionMeta, CharmMeta, JsonObject } from './types.js';

const addFormats = addFormatsNs.default;

/**
 * A fresh Ajv with the options action schemas are compiled under. load.ts
 * checks schemas at build time with the same options, so whatever passed the
 * build compiles here. Strict about unknown keywords (typos), not about types.
 */
export function newActionAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    logger: false,
  });
  addFormats(ajv);
  return ajv;
}

/** The JSON Schema of an action's whole params object. */
export function actionSchema(action: ActionMeta): JsonObject {
  return {
    type: 'object',
    properties: action.params,
    required: action.required,
    additionalProperties: action.additionalProperties,
  };
}

let sharedAjv: Ajv | undefined;
const validators = new WeakMap<CharmMeta, Map<string, ValidateFunction>>();

function validatorFor(meta: CharmMeta, action: ActionMeta): ValidateFunction {
  let perCharm = validators.get(meta);
  if (!perCharm) validators.set(meta, (perCharm = new Map()));
  let validate = perCharm.get(action.name);
  if (!validate) {
    sharedAjv ??= newActionAjv();
    try {
      validate = sharedAjv.compile(actionSchema(action));
    } catch (err) {
      // load.ts rejects such schemas; reaching here means metadata that skipped the build.
      throw new ActionParamsError(
        `action '${action.name}' of charm '${meta.name}' has an invalid params schema: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    perCharm.set(action.name, validate);
  }
  return validate;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function showValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function problem(e: ErrorObject, action: ActionMeta): string {
  const at = pointerToPath(e.instancePath);
  const path = (extra?: string): string =>
    [...at, ...(extra === undefined ? [] : [extra])].join('.') || '(params)';
  switch (e.keyword) {
    case 'required':
      return `${path(String(e.params.missingProperty))}: required parameter missing`;
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      if (at.length === 0) {
        const allowed = Object.keys(action.params);
        return `unknown parameter '${key}' (the action allows: ${allowed.join(', ') || 'no parameters'})`;
      }
      const parent: unknown = e.parentSchema?.properties;
      const allowed = isPlainObject(parent) ? Object.keys(parent) : [];
      return `${path()}: unknown key '${key}' (allowed: ${allowed.join(', ') || 'none'})`;
    }
    case 'enum': {
      const allowed: unknown = e.params.allowedValues;
      const list = Array.isArray(allowed) ? allowed.map(showValue).join(', ') : '';
      return `${path()}: must be one of ${list}`;
    }
    default:
      return `${path()}: ${e.message ?? e.keyword}`;
  }
}

/**
 * Checks an action's params (from action-get) against charm.yaml and returns a
 * copy with schema defaults filled in. Throws ActionParamsError listing every
 * problem as `<param path>: <reason>`, or the declared actions for an unknown name.
 */
export function validateActionParams(
  meta: CharmMeta,
  actionName: string,
  params: unknown,
): Record<string, unknown> {
  const action = Object.hasOwn(meta.actions, actionName) ? meta.actions[actionName] : undefined;
  if (!action) {
    const names = Object.keys(meta.actions);
    const declared = names.length ? `declares: ${names.join(', ')}` : 'declares no actions';
    throw new ActionParamsError(`unknown action '${actionName}' (charm '${meta.name}' ${declared})`);
  }
  const input = params ?? {};
  if (!isPlainObject(input)) {
    throw new ActionParamsError(`invalid parameters for action '${actionName}': (params): must be an object`);
  }
  // useDefaults writes into the data: work on a copy so the caller's object stays as it was.
  let data: Record<string, unknown>;
  try {
    data = structuredClone(input);
  } catch {
    throw new ActionParamsError(
      `invalid parameters for action '${actionName}': (params): must be plain JSON data`,
    );
  }
  const validate = validatorFor(meta, action);
  if (!validate(data)) {
    const problems = [...new Set((validate.errors ?? []).map((e) => problem(e, action)))];
    throw new ActionParamsError(`invalid parameters for action '${actionName}': ${problems.join('; ')}`);
  }
  return data;
}
