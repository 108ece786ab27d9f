/**
 * The status of a model as the controller reports it: what `tsops status` prints
 * (tabular, json, yaml), what `tsops wait` watches and what the dashboard draws.
 * Shapes follow `juju status --format json` where Juju has an equivalent
 * (reference/juju-model.md §3.1), with camelCase keys.
 */

/** A workload status value (charm-set or Juju-owned). */
export type WorkloadStatus =
  'active' | 'blocked' | 'maintenance' | 'waiting' | 'unknown' | 'error' | 'terminated';

/** What the unit agent is doing. */
export type AgentStatus = 'allocating' | 'executing' | 'idle' | 'error' | 'lost' | 'rebooting';

export interface UnitStatusView {
  name: string;
  workload: WorkloadStatus;
  /** Workload message; for an error, `hook failed: "<hook>"`. */
  message: string;
  agent: AgentStatus;
  /** The hook or action running, when agent is executing (shown as `(<hook>)` before the message). */
  activity?: string;
  leader: boolean;
  machine: string;
  address: string;
  /** `80/tcp`, `8000-8999/udp`, `icmp`. */
  ports: string[];
  /** Subordinate units on this unit's machine, keyed by name. */
  subordinates: Record<string, UnitStatusView>;
}

export interface AppStatusView {
  name: string;
  /** The charm's name from its metadata. */
  charm: string;
  /** Where the charm came from (a path). */
  charmPath: string;
  /** Workload version set by the charm (application-version-set). */
  version: string;
  status: WorkloadStatus;
  message: string;
  /** Number of units wanted; `units` may still be catching up. */
  scale: number;
  subordinate: boolean;
  exposed: boolean;
  /** Endpoint → related applications. */
  relations: Record<string, string[]>;
  /** Principal units (subordinates nest inside them). */
  units: Record<string, UnitStatusView>;
}

export interface RelationStatusView {
  id: number;
  /** `app:endpoint` of the provider side (or the peer endpoint). */
  provider: string;
  requirer: string;
  interface: string;
  type: 'regular' | 'peer' | 'subordinate';
}

export interface ModelStatusView {
  model: {
    name: string;
    uuid: string;
    substrate: string;
    /** No hook pending or running anywhere, and no unit in error. */
    settled: boolean;
    /** Hooks pending or running across the model. */
    pendingHooks: number;
    /** Units in error, with their messages. */
    errors: Array<{ unit: string; message: string }>;
    timestamp: string;
  };
  applications: Record<string, AppStatusView>;
  relations: RelationStatusView[];
}
