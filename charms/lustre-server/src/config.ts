/**
 * lustre-server's config → what to run. Each check names the option it refuses, in
 * charm.yaml's order, with the Lustre library's own reason, so the Blocked message
 * tells the operator which `juju config` to fix.
 */
import type { ConfigValue } from '../../../framework/ops/index.js';
import {
  LustreConfigError,
  NidError,
  checkLnetSpec,
  checkTargetSpec,
  normalizeNid,
  validateFsname,
  type LnetSpec,
  type TargetRole,
  type TargetSpec,
} from '../../lib/lustre/index.js';

/** The `role` option's values; `mgs-mdt` is the library's `mgs+mdt` (a `+` reads badly in a config). */
export const ROLES = ['mgs', 'mdt', 'ost', 'mgs-mdt'] as const;
export type ServerRole = (typeof ROLES)[number];

const TARGET_ROLE: Record<ServerRole, TargetRole> = {
  mgs: 'mgs',
  mdt: 'mdt',
  ost: 'ost',
  'mgs-mdt': 'mgs+mdt',
};

/** Whether the role runs an MGS, and so publishes the endpoint. */
export function servesMgs(role: ServerRole): boolean {
  return role === 'mgs' || role === 'mgs-mdt';
}

/** Valid config, ready for ensureLnet and ensureTarget. */
export interface ServerConfig {
  role: ServerRole;
  fsName: string;
  /** NIDs from `mgs-nids` (canonical); empty for an MGS role that publishes its own. */
  mgsNids: string[];
  lnet: LnetSpec;
  mountpoint: string;
  target: TargetSpec;
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

function isRole(value: string): value is ServerRole {
  return (ROLES as readonly string[]).includes(value);
}

/** Run a library check, turning its error into a ConfigProblem that names `option`. */
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
export function parseServerConfig(config: Readonly<Record<string, ConfigValue>>): ServerConfig {
  const roleText = text(config.role);
  if (!isRole(roleText)) {
    const got = roleText ? `, got ${JSON.stringify(roleText)}` : '';
    throw new ConfigProblem('role', `set it to one of ${ROLES.join(', ')}${got}`);
  }
  const role = roleText;
  const fsName = checked('fs-name', () => validateFsname(text(config['fs-name'])));
  const device = text(config.device);
  if (!device) throw new ConfigProblem('device', `set it to the block device that holds the ${role} target`);
  const index = Number(config.index ?? 0);
  if (!Number.isInteger(index) || index < 0 || index > 65535) {
    throw new ConfigProblem('index', `must be an integer from 0 to 65535, got ${String(config.index)}`);
  }
  const mgsNids = checked('mgs-nids', () =>
    text(config['mgs-nids']).split(/\s+/).filter(Boolean).map(normalizeNid),
  );
  if (!servesMgs(role) && mgsNids.length === 0) {
    throw new ConfigProblem(
      'mgs-nids',
      `a ${role} target needs the MGS NIDs, space-separated (e.g. 10.0.0.11@tcp 10.0.0.12@tcp)`,
    );
  }
  const lnet = {
    net: checked('lnet-network', () => checkLnetSpec({ net: text(config['lnet-network']), iface: 'lo' }).net),
    iface: checked(
      'lnet-interface',
      () => checkLnetSpec({ net: 'tcp', iface: text(config['lnet-interface']) }).iface,
    ),
  };
  // A trailing slash would not match the mountpoint /proc/mounts shows.
  const mountpoint = text(config.mountpoint).replace(/(.)\/+$/, '$1') || `/lustre/${fsName}-${role}${index}`;
  const target: TargetSpec = {
    role: TARGET_ROLE[role],
    device,
    mountpoint,
    fsname: fsName,
    index,
    // An MGS is its own; mkfs.lustre takes --mgsnode only for targets that register elsewhere.
    ...(servesMgs(role) ? {} : { mgsNids }),
  };
  // The remaining checks are the paths': name the option the message is about.
  checked('device', () => checkTargetSpec({ ...target, mountpoint: '/' }));
  checked('mountpoint', () => checkTargetSpec(target));
  return { role, fsName, mgsNids, lnet, mountpoint, target };
}
