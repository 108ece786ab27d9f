/**
 * lustre-client's config → what to run; each refusal names its option, as charm.yaml
 * spells it, with the Lustre library's reason.
 */
import type { ConfigValue } from '../../../framework/ops/index.js';
import { LustreConfigError, NidError, checkLnetSpec, type LnetSpec } from '../../lib/lustre/index.js';
import { LustreClientUnitSchema } from '../../../relations/lustre.js';

/** Valid config. */
export interface ClientConfig {
  mountpoint: string;
  lnet: LnetSpec;
}

/** Refused config: the option and why. */
export class ConfigProblem extends Error {
  override name = 'ConfigProblem';
  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`Invalid config: ${option}: ${reason}`);
  }
}

function checked<T>(option: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof NidError || error instanceof LustreConfigError) {
      throw new ConfigProblem(option, error.message);
    }
    throw error;
  }
}

const text = (value: ConfigValue | undefined): string => (value === undefined ? '' : String(value).trim());

/** Parse and check the config; throws ConfigProblem for the first bad option. */
export function parseClientConfig(config: Readonly<Record<string, ConfigValue>>): ClientConfig {
  const mountpoint = text(config.mountpoint).replace(/(.)\/+$/, '$1');
  // The mountpoint is published over `lustre`: the interface's rule is the one to meet.
  const published = LustreClientUnitSchema.shape.mountpoint.safeParse(mountpoint);
  if (!published.success || mountpoint === '/' || mountpoint.split('/').includes('..')) {
    throw new ConfigProblem(
      'mountpoint',
      `${JSON.stringify(mountpoint)} must be an absolute path below / without spaces or ".."`,
    );
  }
  const lnet = {
    net: checked('lnet-network', () => checkLnetSpec({ net: text(config['lnet-network']), iface: 'lo' }).net),
    iface: checked(
      'lnet-interface',
      () => checkLnetSpec({ net: 'tcp', iface: text(config['lnet-interface']) }).iface,
    ),
  };
  return { mountpoint, lnet };
}
