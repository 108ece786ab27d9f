/** Hook tools for relations, config, leadership, status and logs. */
import { parse as parseYaml } from 'yaml';
import type { LogLevel } from '../../../ops/backend.js';
import type { StatusName } from '../../../ops/status.js';
import { atMost, flagBool, flagText, usage } from './flags.js';
import { FORMAT, REL, out, readArg, relation, type Tool } from './tool-support.js';

const SETTABLE: readonly StatusName[] = ['maintenance', 'blocked', 'waiting', 'active'];
const LEVELS: Record<string, LogLevel> = {
  TRACE: 'DEBUG',
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  WARNING: 'WARNING',
  ERROR: 'ERROR',
  CRITICAL: 'CRITICAL',
};

/** relation-set's `--file`: a YAML map (JSON is YAML); scalars become strings, null deletes. */
function settingsFrom(text: string): Record<string, string> {
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    throw usage(`cannot parse settings: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw usage('cannot parse settings: expected a map');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) out[k] = '';
    else if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    else throw usage(`cannot parse settings: value of "${k}" is not a string`);
  }
  return out;
}

export const RELATION_TOOLS: Record<string, Tool> = {
  'relation-ids': {
    flags: FORMAT,
    run: ({ ctx, p }) => {
      atMost(p, 1);
      const endpoint = p.args[0];
      if (endpoint === undefined) throw usage('no endpoint name specified');
      return out(
        p,
        ctx.backend.relationIds(endpoint).map((id) => `${endpoint}:${id}`),
      );
    },
  },
  'relation-list': {
    flags: { ...FORMAT, ...REL, app: 'bool' },
    run: (call) => {
      atMost(call.p, 0);
      const id = relation(call);
      const b = call.ctx.backend;
      return out(call.p, flagBool(call.p, 'app') ? b.relationRemoteApp(id) : b.relationList(id));
    },
  },
  'relation-get': {
    flags: { ...FORMAT, ...REL, app: 'bool' },
    run: (call) => {
      const { ctx, p } = call;
      atMost(p, 2);
      const id = relation(call);
      const isApp = flagBool(p, 'app');
      const key = p.args[0] ?? '-';
      const member = p.args[1] ?? (isApp ? ctx.remoteApp : ctx.remoteUnit);
      if (!member) throw usage('no unit or application specified');
      const bag = ctx.backend.relationGet(id, member, isApp);
      return out(p, key === '-' ? bag : (bag[key] ?? null));
    },
  },
  'relation-set': {
    flags: { ...REL, app: 'bool', file: 'value', format: 'value' },
    run: (call) => {
      const { ctx, p, req } = call;
      const id = relation(call);
      const file = flagText(p, 'file');
      const settings = file === undefined ? {} : settingsFrom(readArg(req, file));
      for (const a of p.args) {
        const eq = a.indexOf('=');
        if (eq <= 0) throw usage(`expected "key=value", got "${a}"`);
        settings[a.slice(0, eq)] = a.slice(eq + 1);
      }
      if (Object.keys(settings).length > 0) ctx.backend.relationSet(id, settings, flagBool(p, 'app'));
    },
  },
  'relation-model-get': {
    flags: { ...FORMAT, ...REL },
    run: (call) => {
      relation(call);
      return out(call.p, { uuid: call.ctx.backend.modelUuid });
    },
  },
  'config-get': {
    flags: { ...FORMAT, all: 'bool', a: { alias: 'all' } },
    run: ({ ctx, p }) => {
      atMost(p, 1);
      const config = ctx.backend.configGet();
      const key = p.args[0];
      return out(p, key === undefined ? config : (config[key] ?? null));
    },
  },
  'is-leader': {
    flags: FORMAT,
    run: ({ ctx, p }) => {
      atMost(p, 0);
      return out(p, ctx.backend.isLeader());
    },
  },
  'status-get': {
    flags: { ...FORMAT, 'include-data': 'bool', application: 'bool' },
    run: ({ ctx, p }) => {
      atMost(p, 0);
      const withData = flagBool(p, 'include-data');
      const entry = (s: { status: string; message: string }) =>
        withData ? { message: s.message, status: s.status, 'status-data': {} } : { status: s.status };
      if (!flagBool(p, 'application')) return out(p, entry(ctx.backend.statusGet(false)));
      const app = ctx.backend.statusGet(true);
      const units = Object.fromEntries(Object.entries(app.units).map(([name, s]) => [name, entry(s)]));
      return out(p, { 'application-status': { ...entry(app), units } });
    },
  },
  'status-set': {
    flags: { application: 'bool' },
    run: ({ ctx, p }) => {
      atMost(p, 2);
      const status = SETTABLE.find((s) => s === p.args[0]);
      if (!status)
        throw usage(
          `invalid status "${p.args[0] ?? ''}", expected one of [maintenance blocked waiting active]`,
        );
      ctx.backend.statusSet(status, p.args[1] ?? '', flagBool(p, 'application'));
    },
  },
  'juju-log': {
    flags: { 'log-level': 'value', l: { alias: 'log-level' }, debug: 'bool', format: 'value' },
    run: ({ ctx, p }) => {
      if (p.args.length === 0) throw usage('no message specified');
      const name = flagText(p, 'log-level') ?? (flagBool(p, 'debug') ? 'DEBUG' : 'INFO');
      const level = LEVELS[name.toUpperCase()];
      if (!level) throw usage(`invalid log level "${name}"`);
      ctx.backend.jujuLog(level, p.args.join(' '));
    },
  },
  'application-version-set': {
    flags: {},
    run: ({ ctx, p }) => {
      if (p.args.length !== 1) throw usage('no version specified');
      ctx.backend.applicationVersionSet(p.args[0] ?? '');
    },
  },
};
