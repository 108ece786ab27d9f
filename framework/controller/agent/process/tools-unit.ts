/** Hook tools for actions, ports, network, storage, goal state and reboot. */
import type { Port } from '../../../ops/backend.js';
import { formatPort, parsePort } from '../../../ops/backend.js';
import { ToolError, atMost, flagBool, flagText, usage, type ParsedArgs } from './flags.js';
import { FORMAT, REL, out, relation, type Tool } from './tool-support.js';

function portArg(text: string | undefined): Port {
  if (text === undefined) throw usage('no port or range specified');
  const withProto = text === 'icmp' || text.includes('/') ? text : `${text}/tcp`;
  try {
    return parsePort(withProto);
  } catch {
    throw usage(`invalid port or range "${text}"`);
  }
}

function endpoints(p: ParsedArgs): string[] | undefined {
  const e = flagText(p, 'endpoints');
  return e ? e.split(',').filter((x) => x !== '') : undefined;
}

/** Dotted lookup into action params (`action-get a.b`). */
function dig(v: unknown, path: string): unknown {
  let node = v;
  for (const part of path.split('.')) {
    node =
      typeof node === 'object' && node !== null && !Array.isArray(node)
        ? Object.entries(node).find(([k]) => k === part)?.[1]
        : undefined;
  }
  return node ?? null;
}

const ACTION_KEY = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const RESERVED_ACTION_KEYS: readonly string[] = ['stdout', 'stdout-encoding', 'stderr', 'stderr-encoding'];

export const UNIT_TOOLS: Record<string, Tool> = {
  'action-get': {
    flags: FORMAT,
    run: ({ ctx, p }) => {
      atMost(p, 1);
      const params = ctx.backend.actionGet();
      return out(p, p.args[0] === undefined ? params : dig(params, p.args[0]));
    },
  },
  'action-set': {
    flags: {},
    run: ({ ctx, p }) => {
      const results: Record<string, string> = {};
      for (const a of p.args) {
        const eq = a.indexOf('=');
        if (eq <= 0) throw usage(`argument "${a}" must be of the form key=value`);
        const path = a.slice(0, eq).split('.');
        const bad = path.find((part) => !ACTION_KEY.test(part));
        if (bad !== undefined)
          throw usage(
            `key "${bad}" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens`,
          );
        if (path.length === 1 && RESERVED_ACTION_KEYS.includes(path[0] ?? ''))
          throw usage(`cannot set reserved action key "${path[0] ?? ''}"`);
        results[a.slice(0, eq)] = a.slice(eq + 1);
      }
      ctx.backend.actionSet(results);
    },
  },
  'action-fail': { flags: {}, run: ({ ctx, p }) => ctx.backend.actionFail(p.args.join(' ')) },
  'action-log': {
    flags: {},
    run: ({ ctx, p }) => {
      if (p.args.length === 0) throw usage('no message specified');
      ctx.backend.actionLog(p.args.join(' '));
    },
  },
  'open-port': {
    flags: { endpoints: 'value', format: 'value' },
    run: ({ ctx, p }) => {
      atMost(p, 1);
      ctx.backend.openPort(portArg(p.args[0]), endpoints(p));
    },
  },
  'close-port': {
    flags: { endpoints: 'value', format: 'value' },
    run: ({ ctx, p }) => {
      atMost(p, 1);
      ctx.backend.closePort(portArg(p.args[0]), endpoints(p));
    },
  },
  'opened-ports': {
    flags: { ...FORMAT, endpoints: 'bool' },
    run: ({ ctx, p }) => {
      atMost(p, 0);
      const ports = ctx.backend.openedPorts().map(formatPort);
      return out(p, flagBool(p, 'endpoints') ? ports.map((x) => `${x} (*)`) : ports);
    },
  },
  'network-get': {
    flags: {
      ...FORMAT,
      ...REL,
      'primary-address': 'bool',
      'bind-address': 'bool',
      'ingress-address': 'bool',
      'egress-subnets': 'bool',
    },
    run: (call) => {
      const { ctx, p } = call;
      atMost(p, 1);
      const binding = p.args[0];
      if (binding === undefined) throw usage('no arguments specified');
      const id = flagText(p, 'relation') === undefined ? undefined : relation(call);
      const net = ctx.backend.networkGet(binding, id);
      const first = net.bindAddresses[0]?.addresses[0]?.value ?? '';
      if (flagBool(p, 'primary-address') || flagBool(p, 'bind-address')) return out(p, first);
      if (flagBool(p, 'ingress-address')) return out(p, net.ingressAddresses[0] ?? '');
      if (flagBool(p, 'egress-subnets')) return out(p, net.egressSubnets);
      return out(p, {
        'bind-addresses': net.bindAddresses.map((b) => ({
          'mac-address': b.macAddress,
          'interface-name': b.interfaceName,
          addresses: b.addresses.map((a) => ({ hostname: a.hostname, value: a.value, cidr: a.cidr })),
        })),
        'egress-subnets': net.egressSubnets,
        'ingress-addresses': net.ingressAddresses,
      });
    },
  },
  'storage-list': {
    flags: FORMAT,
    run: ({ ctx, p }) => {
      atMost(p, 1);
      return out(p, ctx.backend.storageList(p.args[0] ?? ''));
    },
  },
  'storage-get': {
    flags: { ...FORMAT, s: 'value' },
    run: ({ ctx, p }) => {
      atMost(p, 1);
      const id = flagText(p, 's') ?? ctx.storageId;
      if (id === undefined) throw usage('no storage instance specified');
      const info = ctx.backend.storageGet(id);
      const key = p.args[0];
      if (key === undefined) return out(p, info);
      if (key !== 'kind' && key !== 'location') throw new ToolError(`invalid storage attribute "${key}"`);
      return out(p, info[key]);
    },
  },
  'storage-add': {
    flags: {},
    run: ({ ctx, p }) => {
      if (p.args.length === 0) throw usage('storage add requires a storage directive');
      const counts: Record<string, number> = {};
      for (const a of p.args) {
        const m = /^([a-z][a-z0-9-]*)(?:=(\d+))?$/.exec(a);
        if (!m?.[1] || m[2] === '0') throw usage(`cannot parse storage directive "${a}"`);
        counts[m[1]] = (counts[m[1]] ?? 0) + Number(m[2] ?? 1);
      }
      ctx.backend.storageAdd(counts);
    },
  },
  'goal-state': {
    flags: FORMAT,
    run: ({ ctx, p }) => {
      atMost(p, 0);
      return out(p, ctx.backend.goalState());
    },
  },
  'juju-reboot': {
    flags: { now: 'bool' },
    run: ({ ctx, p }) => {
      atMost(p, 0);
      ctx.backend.reboot(flagBool(p, 'now'));
    },
  },
};
