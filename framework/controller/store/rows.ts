/**
 * Row types of the model store. The database is the controller's own (written only
 * by this code, schema-versioned), so rows are typed by their SELECTs; JSON columns
 * are parsed with shape checks in store.ts.
 */

export type Life = 'alive' | 'dying';

export interface AppRow {
  name: string;
  charm_path: string;
  meta: string;
  config: string;
  constraints: string;
  exposed: number;
  trust: number;
  annotations: string;
  next_unit: number;
  life: Life;
  leader: string | null;
  version: string;
  status: string | null;
  status_message: string;
  created: number;
}

export interface UnitRow {
  name: string;
  app: string;
  number: number;
  machine: string;
  principal: string | null;
  life: Life;
  installed: number;
  started: number;
  stopped: number;
  leader_seen: string | null;
  config_seen: string | null;
  workload: string;
  message: string;
  agent: string;
  activity: string | null;
  /** The failed batch (JSON list of DispatchEvent), while the unit is in error. */
  failed: string | null;
  error_message: string | null;
  retry_at: number | null;
  retries: number;
  /** 'retry' or 'skip', set by `tsops resolve`. */
  resolve: string | null;
  update_due: number | null;
  unit_state: string | null;
  address: string;
}

export interface RelationRow {
  id: number;
  key: string;
  app1: string;
  ep1: string;
  role1: string;
  app2: string;
  ep2: string;
  role2: string;
  interface: string;
  scope: string;
  peer: number;
  life: Life;
}

export interface DatabagRow {
  relation: number;
  owner: string;
  is_app: number;
  data: string;
  version: number;
}

export interface SeenRow {
  relation: number;
  unit: string;
  remote: string;
  is_app: number;
  version: number;
}

export interface SecretRow {
  id: string;
  owner_kind: 'application' | 'unit';
  owner: string;
  label: string | null;
  description: string;
  rotate: string | null;
  expire: string | null;
  revision: number;
}

export interface TaskRow {
  id: number;
  unit: string;
  action: string;
  params: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  message: string;
  results: string;
  log: string;
  created: number;
  finished: number | null;
}
