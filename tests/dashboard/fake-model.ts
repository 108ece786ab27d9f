/** Synthetic ModelStatusViews and log lines, for driving the page without a controller. */
import type { LogLine } from '../../framework/controller/api/methods.js';
import type {
  AppStatusView,
  ModelStatusView,
  UnitStatusView,
  WorkloadStatus,
} from '../../framework/controller/api/status.js';

export function unit(name: string, workload: WorkloadStatus = 'active', message = ''): UnitStatusView {
  const n = Number(name.split('/')[1]);
  return {
    name,
    workload,
    message,
    agent: 'idle',
    leader: n === 0,
    machine: String(n),
    address: `10.0.${Math.floor(n / 250)}.${(n % 250) + 1}`,
    ports: [],
    subordinates: {},
  };
}

export function app(
  name: string,
  units: UnitStatusView[],
  extra: Partial<AppStatusView> = {},
): AppStatusView {
  return {
    name,
    charm: name,
    charmPath: `/charms/${name}`,
    version: '',
    status: 'active',
    message: '',
    scale: units.length,
    subordinate: false,
    exposed: false,
    relations: {},
    units: Object.fromEntries(units.map((u) => [u.name, u])),
    ...extra,
  };
}

/** A model with no applications. */
export function emptyModel(name: string): ModelStatusView {
  return { ...cluster(0, name), applications: {}, relations: [] };
}

/** A cluster: one controller unit and `n` compute units related to it. */
export function cluster(n: number, model = 'big'): ModelStatusView {
  const compute = Array.from({ length: n }, (_, i) => unit(`compute/${i}`));
  return {
    model: {
      name: model,
      uuid: '00000000-0000-4000-8000-000000000000',
      substrate: 'sandbox',
      settled: true,
      pendingHooks: 0,
      errors: [],
      timestamp: new Date(0).toISOString(),
    },
    applications: {
      ctl: app('ctl', [unit('ctl/0', 'active', `${n} nodes`)]),
      compute: app('compute', compute),
    },
    relations: [
      { id: 1, provider: 'ctl:nodes', requirer: 'compute:ctl', interface: 'nodes', type: 'regular' },
      { id: 2, provider: 'ctl:peers', requirer: 'ctl:peers', interface: 'ctl-peers', type: 'peer' },
    ],
  };
}

export function logLine(id: number, entity: string, level: LogLine['level'] = 'INFO'): LogLine {
  return {
    id,
    timestamp: new Date(id * 1000).toISOString(),
    entity,
    level,
    module: 'test',
    message: `line ${id} from ${entity}`,
  };
}
