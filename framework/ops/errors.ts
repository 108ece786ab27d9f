/**
 * Typed errors of the charm SDK. Each message says which rule was broken and,
 * where it helps, what to do instead.
 */

/** Base class: something the model (Juju or the controller) refused or could not do. */
export class ModelError extends Error {
  override name = 'ModelError';
}

/** A relation id or endpoint that the model does not know (any more). */
export class RelationNotFoundError extends ModelError {
  override name = 'RelationNotFoundError';
}

/** A secret id or label that does not exist or is not visible to this unit. */
export class SecretNotFoundError extends ModelError {
  override name = 'SecretNotFoundError';
}

/** Reading or writing a databag that Juju's rules forbid to this unit. */
export class RelationDataAccessError extends ModelError {
  override name = 'RelationDataAccessError';
}

/** A databag key or value that is not a string. */
export class RelationDataTypeError extends ModelError {
  override name = 'RelationDataTypeError';
}

/** Typed databag content that fails its schema; says which application or unit, which field and why. */
export class RelationDataError extends ModelError {
  override name = 'RelationDataError';
  constructor(
    message: string,
    /** The application or unit whose databag was read. */
    readonly source: string,
    /** One entry per failing field: the field name ('' for the whole bag) and why it failed. */
    readonly issues: ReadonlyArray<{ field: string; reason: string }>,
  ) {
    super(message);
  }
}

/** Several relations on an endpoint where the caller asked for one without an id. */
export class TooManyRelatedAppsError extends ModelError {
  override name = 'TooManyRelatedAppsError';
}

/** A status that a charm may not set (error, unknown) or add in collect-status. */
export class InvalidStatusError extends ModelError {
  override name = 'InvalidStatusError';
}

/** Metadata (charm.yaml) that fails its schema. */
export class MetadataError extends Error {
  override name = 'MetadataError';
}

/** Action parameters that fail the action's JSON Schema. */
export class ActionParamsError extends Error {
  override name = 'ActionParamsError';
}

/** A hook tool (or the controller behind it) failed; carries its exit status and stderr. */
export class HookToolError extends ModelError {
  override name = 'HookToolError';
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`${command[0]} failed (exit ${exitCode}): ${stderr.trim() || '(no output)'}`);
  }
}

/** A config value that is undeclared or does not fit its option's type. */
export class ConfigError extends ModelError {
  override name = 'ConfigError';
}
