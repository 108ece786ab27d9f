/**
 * LNet configuration through lnetctl(8) (Lustre Operations Manual, "Configuring LNet via
 * lnetctl"): load the module, configure LNet, add a network on an interface, and read this
 * node's NIDs from `lnetctl net show` (YAML).
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Machine } from '../../../framework/ops/machine.js';
import { LustreConfigError } from './commands.js';
import { NidError, formatNet, parseNet, sameNet } from './nid.js';

/** Which network to bring up on which interface: `tcp0` on `eth0`, `o2ib1` on `ib0`. */
export interface LnetSpec {
  net: string;
  iface: string;
}

/** A local network interface (NI) as lnetctl reports it. */
export interface LnetNi {
  nid: string;
  status: string | null;
  interfaces: string[];
}

/** A configured LNet network and its NIs. */
export interface LnetNet {
  /** As lnetctl names it, e.g. `tcp` (for tcp0) or `o2ib1`. */
  net: string;
  nis: LnetNi[];
}

/** Validate the spec; throws LustreConfigError naming the bad part. */
export function checkLnetSpec(spec: LnetSpec): LnetSpec {
  try {
    parseNet(spec.net);
  } catch (error) {
    if (error instanceof NidError) throw new LustreConfigError(error.message);
    throw error;
  }
  // Linux interface names: at most 15 characters, no slash or whitespace.
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(spec.iface)) {
    throw new LustreConfigError(`invalid network interface name ${JSON.stringify(spec.iface)}`);
  }
  return spec;
}

/** `modprobe lnet`; `lnetctl lnet configure` (leaves networks to the next step). */
export const LNET_START_ARGVS: readonly (readonly string[])[] = [
  ['modprobe', 'lnet'],
  ['lnetctl', 'lnet', 'configure'],
];

/** `lnetctl net show`, read by parseLnetNetShow. */
export const LNET_SHOW_ARGV: readonly string[] = ['lnetctl', 'net', 'show'];

/** `lnetctl net add --net <net> --if <iface>`. */
export function lnetNetAddArgv(spec: LnetSpec): string[] {
  const { net, iface } = checkLnetSpec(spec);
  return ['lnetctl', 'net', 'add', '--net', net, '--if', iface];
}

/** The whole sequence for a node with nothing configured yet. */
export function lnetArgvs(spec: LnetSpec): string[][] {
  return [...LNET_START_ARGVS.map((argv) => [...argv]), lnetNetAddArgv(spec)];
}

const NiSchema = z.object({
  nid: z.string(),
  status: z.string().optional(),
  // `interfaces: {0: eth0}`: YAML keys are indexes.
  interfaces: z.record(z.string(), z.string()).optional().nullable(),
});
const NetShowSchema = z.object({
  net: z
    .array(z.object({ 'net type': z.string(), 'local NI(s)': z.array(NiSchema).optional().nullable() }))
    .optional()
    .nullable(),
});

/** Parse `lnetctl net show` YAML; empty output (LNet up, no networks) gives []. Throws on other shapes. */
export function parseLnetNetShow(text: string): LnetNet[] {
  if (!text.trim()) return [];
  const parsed = NetShowSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `lnetctl net show: unexpected YAML at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
    );
  }
  return (parsed.data.net ?? []).map((n) => ({
    net: n['net type'],
    nis: (n['local NI(s)'] ?? []).map((ni) => ({
      nid: ni.nid,
      status: ni.status ?? null,
      interfaces: Object.entries(ni.interfaces ?? {})
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, name]) => name),
    })),
  }));
}

/** This node's NIDs on `net` (any network but loopback when omitted). */
export function localNids(nets: readonly LnetNet[], net?: string): string[] {
  return nets
    .filter((n) => n.net !== 'lo' && (net === undefined || sameNet(n.net, net)))
    .flatMap((n) => n.nis.map((ni) => ni.nid));
}

/** Whether `net` already runs on `iface`. */
function hasNetOnIface(nets: readonly LnetNet[], spec: LnetSpec): boolean {
  return nets.some((n) => sameNet(n.net, spec.net) && n.nis.some((ni) => ni.interfaces.includes(spec.iface)));
}

async function showNets(machine: Machine): Promise<LnetNet[]> {
  // Before `lnet configure` lnetctl exits non-zero ("Network is down"): no networks.
  const result = await machine.exec(LNET_SHOW_ARGV, { check: false });
  return result.exitCode === 0 ? parseLnetNetShow(result.stdout) : [];
}

/**
 * Bring LNet up with `spec.net` on `spec.iface` and return this node's NIDs on that network.
 * modprobe and `lnet configure` are idempotent; `net add` runs only when the network is not
 * already on the interface.
 */
export async function ensureLnet(
  machine: Machine,
  spec: LnetSpec,
): Promise<{ nids: string[]; added: boolean }> {
  checkLnetSpec(spec);
  for (const argv of LNET_START_ARGVS) await machine.exec(argv);
  let nets = await showNets(machine);
  const added = !hasNetOnIface(nets, spec);
  if (added) {
    await machine.exec(lnetNetAddArgv(spec));
    nets = await showNets(machine);
  }
  const nids = localNids(nets, spec.net);
  if (nids.length === 0) {
    throw new Error(`LNet has no NID on ${formatNet(parseNet(spec.net))} after adding ${spec.iface}`);
  }
  return { nids, added };
}
