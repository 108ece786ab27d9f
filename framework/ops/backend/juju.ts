/**
 * JujuBackend: the ModelBackend that talks to a real Juju agent through its hook tools,
 * with exactly the argv that ops 3.x passes (reference/juju-contract.md §3.3) and ops'
 * error mapping (§3.4).
 *
 * @example
 *   const backend = new JujuBackend();            // reads JUJU_UNIT_NAME etc. from process.env
 *   backend.relationIds('database');              // runs `relation-ids database --format=json`
 */
import type {
  AppStatusInfo,
  ConfigValue,
  GoalState,
  LogLevel,
  ModelBackend,
  NetworkInfo,
  Port,
  SecretAddOptions,
  SecretGetOptions,
  SecretInfo,
  SecretSetOptions,
  StatusInfo,
  StorageInfo,
} from '../backend.js';
import { formatPort } from '../backend.js';
import { InvalidStatusError, ModelError, RelationDataTypeError } from '../errors.js';
import type { StatusName } from '../status.js';
import type { HookToolRunner } from './hook-tool-runner.js';
import { canonicalSecretId, checkSecretContent } from '../secret-content.js';
import { mapHookToolFailure, secretMetaArgs, spawnHookTools, withSecretFiles } from './hook-tool-runner.js';
import {
  asAppStatus,
  asConfig,
  asGoalState,
  asNetworkInfo,
  asObject,
  asPorts,
  asSecretInfo,
  asStorageInfo,
  asStringList,
  asStringMap,
  asUnitStatus,
  parseJsonOutput,
  parseRelationRef,
} from './juju-json.js';

export type { HookToolResult, HookToolRunner } from './hook-tool-runner.js';
export { mapHookToolFailure, spawnHookTools } from './hook-tool-runner.js';

/** Options for {@link JujuBackend}. */
export interface JujuBackendOptions {
  /** Runs one hook tool; the default spawns it with the PATH of the backend's env. */
  run?: HookToolRunner;
  /** Monotonic clock in milliseconds for the is-leader cache (default `performance.now`). */
  now?: () => number;
}

/** Juju guarantees leadership for 30 s after a true is-leader; ops caches the answer that long. */
export const LEASE_RENEWAL_PERIOD_MS = 30_000;
/** ops splits log messages longer than this (the kernel's limit on one argv string). */
export const MAX_LOG_LINE_LEN = 131071;

/** The ModelBackend that runs Juju's hook tools, one synchronous subprocess per call. */
export class JujuBackend implements ModelBackend {
  readonly unitName: string;
  readonly appName: string;
  readonly modelName: string;
  readonly modelUuid: string;

  private readonly env: NodeJS.ProcessEnv;
  private readonly runTool: HookToolRunner;
  private readonly now: () => number;
  /** Relation id → endpoint, for ops 3.x's `-r <endpoint>:<id>` (Juju then checks the pair). */
  private readonly endpoints = new Map<number, string>();
  private leader: { value: boolean; checkedAt: number } | undefined;

  constructor(env: NodeJS.ProcessEnv = process.env, options: JujuBackendOptions = {}) {
    const unit = env.JUJU_UNIT_NAME ?? '';
    const m = /^(.+)\/\d+$/.exec(unit);
    if (!m?.[1]) {
      throw new ModelError(
        `JUJU_UNIT_NAME is '${unit}': expected <application>/<number>; JujuBackend runs inside a Juju hook, ` +
          'whose environment sets it',
      );
    }
    this.unitName = unit;
    this.appName = m[1];
    this.modelName = env.JUJU_MODEL_NAME ?? '';
    this.modelUuid = env.JUJU_MODEL_UUID ?? '';
    this.env = env;
    this.runTool = options.run ?? spawnHookTools(env);
    this.now = options.now ?? (() => performance.now());
    const event = this.eventRelation();
    if (event?.endpoint) this.endpoints.set(event.id, event.endpoint);
  }

  // Relations.

  relationIds(endpoint: string): number[] {
    const refs = asStringList('relation-ids', this.json('relation-ids', [endpoint, '--format=json']));
    return refs.map((ref) => {
      const r = parseRelationRef('relation-ids', ref);
      this.endpoints.set(r.id, r.endpoint ?? endpoint);
      return r.id;
    });
  }

  relationList(relationId: number): string[] {
    return asStringList(
      'relation-list',
      this.json('relation-list', ['--format=json', '-r', this.ref(relationId)]),
    );
  }

  relationRemoteApp(relationId: number): string {
    // Like ops: in a hook for this very relation Juju already told us the remote app.
    const remote = this.env.JUJU_REMOTE_APP;
    if (remote && this.eventRelation()?.id === relationId) return remote;
    const v = this.json('relation-list', ['--format=json', '--app', '-r', this.ref(relationId)]);
    if (typeof v !== 'string')
      throw new ModelError(`relation-list --app printed ${JSON.stringify(v)}, not an application name`);
    return v;
  }

  relationGet(relationId: number, member: string, isApp: boolean): Record<string, string> {
    const args = ['--format=json', '-r', this.ref(relationId), ...(isApp ? ['--app'] : []), '-', member];
    return asStringMap('relation-get', this.json('relation-get', args));
  }

  relationSet(relationId: number, data: Record<string, string>, isApp: boolean): void {
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== 'string')
        throw new RelationDataTypeError(`relation data value of '${k}' must be a string, got ${typeof v}`);
    }
    if (Object.keys(data).length === 0) return;
    const args = ['-r', this.ref(relationId), ...(isApp ? ['--app'] : []), '--file', '-'];
    this.tool('relation-set', args, { input: JSON.stringify(data) });
  }

  configGet(): Record<string, ConfigValue> {
    return asConfig('config-get', this.json('config-get', ['--format=json']));
  }

  isLeader(): boolean {
    const now = this.now();
    if (this.leader && now - this.leader.checkedAt <= LEASE_RENEWAL_PERIOD_MS) return this.leader.value;
    // Take the time before asking, so the cache never outlives the window is-leader vouches for.
    const v = this.json('is-leader', ['--format=json']);
    if (typeof v !== 'boolean')
      throw new ModelError(`is-leader printed ${JSON.stringify(v)}, not true or false`);
    this.leader = { value: v, checkedAt: now };
    return v;
  }

  // Status.

  statusGet(isApp: false): StatusInfo;
  statusGet(isApp: true): AppStatusInfo;
  statusGet(isApp: boolean): StatusInfo | AppStatusInfo {
    const v = this.json('status-get', ['--include-data', '--format=json', `--application=${isApp}`]);
    return isApp ? asAppStatus('status-get', v) : asUnitStatus('status-get', v);
  }

  statusSet(status: StatusName, message: string, isApp: boolean): void {
    if (status === 'error' || status === 'unknown') {
      throw new InvalidStatusError(
        `a charm cannot set status '${status}': Juju owns it; use active, blocked, maintenance or waiting`,
      );
    }
    this.tool('status-set', [`--application=${isApp ? 'True' : 'False'}`, status, '--', message]);
  }

  // Actions.

  actionGet(): Record<string, unknown> {
    return asObject('action-get', this.json('action-get', ['--format=json']));
  }

  actionSet(results: Record<string, string>): void {
    const entries = Object.entries(results);
    if (entries.length === 0) return;
    // Results may be sensitive (ops redacts them too): errors show keys only.
    this.tool(
      'action-set',
      entries.map(([k, v]) => `${k}=${v}`),
      { shown: ['action-set', ...entries.map(([k]) => `${k}=<redacted>`)] },
    );
  }

  actionFail(message: string): void {
    this.tool('action-fail', ['--', message]);
  }

  actionLog(message: string): void {
    this.tool('action-log', ['--', message]);
  }

  jujuLog(level: LogLevel, message: string): void {
    if (message.length > MAX_LOG_LINE_LEN) {
      this.tool('juju-log', [
        '--log-level',
        level,
        '--',
        `Log string greater than ${MAX_LOG_LINE_LEN}. Splitting into multiple chunks: `,
      ]);
    }
    let rest = message;
    do {
      this.tool('juju-log', ['--log-level', level, '--', rest.slice(0, MAX_LOG_LINE_LEN)]);
      rest = rest.slice(MAX_LOG_LINE_LEN);
    } while (rest.length > 0);
  }

  // Secrets. Content travels in private temp files (`key#file=path`), never in argv.

  secretAdd(content: Record<string, string>, options: SecretAddOptions): string {
    checkSecretContent(content);
    const args = [...secretMetaArgs(options), '--owner', options.owner];
    const out = withSecretFiles(content, (files) => this.tool('secret-add', [...args, ...files])).trim();
    if (!out.startsWith('secret:')) throw new ModelError(`secret-add printed '${out}', not a secret id`);
    return out;
  }

  secretGet(options: SecretGetOptions): Record<string, string> {
    if (options.id === undefined && options.label === undefined)
      throw new ModelError('secretGet needs an id or a label');
    if (options.refresh && options.peek) throw new ModelError('secretGet takes refresh or peek, not both');
    const args = ['--format=json'];
    if (options.id !== undefined) args.push(options.id);
    if (options.label !== undefined) args.push('--label', options.label);
    if (options.refresh) args.push('--refresh');
    if (options.peek) args.push('--peek');
    // sensitive: the output is secret content and must never reach an error message.
    return asStringMap(
      'secret-get',
      parseJsonOutput('secret-get', this.tool('secret-get', args), true),
      true,
    );
  }

  secretInfoGet(query: { id?: string; label?: string }): SecretInfo {
    let args: string[];
    if (query.id !== undefined) args = ['--format=json', query.id];
    else if (query.label !== undefined) args = ['--format=json', '--label', query.label];
    else throw new ModelError('secretInfoGet needs an id or a label');
    return asSecretInfo('secret-info-get', this.json('secret-info-get', args), query.id);
  }

  secretSet(id: string, options: SecretSetOptions): void {
    const content = options.content ?? {};
    if (options.content !== undefined) checkSecretContent(content);
    const args = [...secretMetaArgs(options), id];
    withSecretFiles(content, (files) => this.tool('secret-set', [...args, ...files]));
  }

  secretGrant(id: string, relationId: number, unit?: string): void {
    this.tool('secret-grant', [
      '--relation',
      String(relationId),
      ...(unit !== undefined ? ['--unit', unit] : []),
      id,
    ]);
  }

  secretRevoke(id: string, relationId: number, unit?: string): void {
    this.tool('secret-revoke', [
      '--relation',
      String(relationId),
      ...(unit !== undefined ? ['--unit', unit] : []),
      id,
    ]);
  }

  secretRemove(id: string, revision?: number): void {
    this.tool('secret-remove', [id, ...(revision !== undefined ? ['--revision', String(revision)] : [])]);
  }

  secretIds(): string[] {
    return asStringList('secret-ids', this.json('secret-ids', ['--format=json'])).map(canonicalSecretId);
  }

  // Ports, network, version.

  openPort(port: Port, endpoints?: string[]): void {
    this.tool('open-port', [...endpointArgs(endpoints), formatPort(port)]);
  }

  closePort(port: Port, endpoints?: string[]): void {
    this.tool('close-port', [...endpointArgs(endpoints), formatPort(port)]);
  }

  openedPorts(): Port[] {
    return asPorts('opened-ports', this.json('opened-ports', ['--format=json']));
  }

  networkGet(bindingName: string, relationId?: number): NetworkInfo {
    const args = [
      '--format=json',
      ...(relationId !== undefined ? ['-r', this.ref(relationId)] : []),
      bindingName,
    ];
    return asNetworkInfo('network-get', this.json('network-get', args));
  }

  applicationVersionSet(version: string): void {
    this.tool('application-version-set', ['--', version]);
  }

  // Storage, goal state, reboot.

  storageList(name: string): string[] {
    return asStringList('storage-list', this.json('storage-list', ['--format=json', name]));
  }

  storageGet(storageId: string): StorageInfo {
    return asStorageInfo('storage-get', this.json('storage-get', ['--format=json', '-s', storageId]));
  }

  storageAdd(counts: Record<string, number>): void {
    const entries = Object.entries(counts);
    for (const [name, n] of entries) {
      if (!Number.isInteger(n) || n < 1)
        throw new ModelError(`storage count for '${name}' must be a positive integer, got ${n}`);
    }
    if (entries.length > 0)
      this.tool(
        'storage-add',
        entries.map(([name, n]) => `${name}=${n}`),
      );
  }

  goalState(): GoalState {
    return asGoalState('goal-state', this.json('goal-state', ['--format=json']));
  }

  /** With now=true Juju kills this process; the dispatcher should exit if it returns. */
  reboot(now: boolean): void {
    this.tool('juju-reboot', now ? ['--now'] : []);
  }

  // Plumbing.

  /** The relation this hook runs for, from JUJU_RELATION_ID (`endpoint:N`) and JUJU_RELATION. */
  private eventRelation(): { endpoint?: string; id: number } | undefined {
    const m = /^(?:(.+):)?(\d+)$/.exec(this.env.JUJU_RELATION_ID ?? '');
    if (!m) return undefined;
    const endpoint = m[1] ?? (this.env.JUJU_RELATION || undefined);
    return endpoint === undefined ? { id: Number(m[2]) } : { endpoint, id: Number(m[2]) };
  }

  /** `-r` value: `endpoint:id` when the endpoint is known; else the bare id, as ops does then. */
  private ref(relationId: number): string {
    const endpoint = this.endpoints.get(relationId);
    return endpoint === undefined ? String(relationId) : `${endpoint}:${relationId}`;
  }

  private json(tool: string, args: string[]): unknown {
    return parseJsonOutput(tool, this.tool(tool, args));
  }

  /** Run one tool and return its stdout; `shown` replaces the argv in errors (redaction). */
  private tool(
    tool: string,
    args: string[],
    opts: { input?: string; shown?: readonly string[] } = {},
  ): string {
    const r = this.runTool([tool, ...args], opts.input);
    if (r.notFound) {
      throw new ModelError(
        `hook tool '${tool}' was not found on PATH: Juju's hook tools must be on PATH, ` +
          `which Juju arranges for hook processes (${r.stderr.trim()})`,
      );
    }
    if (r.exitCode !== 0) throw mapHookToolFailure(tool, opts.shown ?? [tool, ...args], r);
    return r.stdout;
  }
}

function endpointArgs(endpoints: string[] | undefined): string[] {
  return endpoints && endpoints.length > 0 ? ['--endpoints', endpoints.join(',')] : [];
}
