/**
 * Metadata for a dispatch. `tsops pack` validates charm.yaml once and writes
 * `build/charm.json`; a hook reads that (fast: no YAML parser, no ajv). Without a
 * current build it falls back to parsing charm.yaml.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MetadataError } from '../errors.js';
import { metaFromJson } from '../meta/json.js';
import type { CharmMeta } from '../meta/types.js';

/** Where `tsops pack` writes the validated metadata, relative to the charm directory. */
export const BUILT_META = 'build/charm.json';

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Load the charm's metadata from `charmDir`, preferring the built JSON when it is current. */
export async function loadDispatchMeta(charmDir: string): Promise<CharmMeta> {
  const yamlPath = join(charmDir, 'charm.yaml');
  const jsonPath = join(charmDir, BUILT_META);
  const yamlTime = mtime(yamlPath);
  const jsonTime = mtime(jsonPath);
  if (jsonTime !== undefined && (yamlTime === undefined || jsonTime >= yamlTime)) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(jsonPath, 'utf8'));
    } catch (e) {
      throw new MetadataError(`${jsonPath}: ${(e as Error).message}; run 'tsops pack ${charmDir}' again`);
    }
    return metaFromJson(value, jsonPath);
  }
  if (yamlTime === undefined) {
    throw new MetadataError(`${charmDir} has no charm.yaml (and no ${BUILT_META}); is JUJU_CHARM_DIR right?`);
  }
  const { parseCharmMeta } = await import('../meta/load.js');
  return parseCharmMeta(readFileSync(yamlPath, 'utf8'), yamlPath);
}
