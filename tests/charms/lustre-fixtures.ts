/**
 * Setup shared by the Lustre charm tests (lustre-server, lustre-server-endpoint,
 * lustre-client, lustre-node): the recorded command output under tests/fixtures/lustre,
 * an LNet that comes up when added, and a Context and machine per charm with the kernel
 * support that charm checks for.
 */
import { readFileSync } from 'node:fs';
import { Context, RecordingMachine, type ExecHandler } from '../../framework/testing/index.js';
import { LustreClientCharm } from '../../charms/lustre-client/src/charm.js';
import { LustreServerCharm } from '../../charms/lustre-server/src/charm.js';

/** A recorded file from tests/fixtures/lustre. */
export const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/lustre/${name}`, import.meta.url), 'utf8');

/** LNet on a fresh node: `net show` lists only lo until `net add` ran (a test's own handlers come first and win). */
export function lnetHandlers(): ExecHandler[] {
  let added = false;
  return [
    { argv: ['modprobe', 'lnet'] },
    { argv: ['lnetctl', 'lnet', 'configure'] },
    {
      argv: ['lnetctl', 'net', 'add'],
      result: () => {
        added = true;
        return {};
      },
    },
    {
      argv: ['lnetctl', 'net', 'show'],
      result: () => ({ stdout: fixture(added ? 'lnetctl-net-show-tcp.yaml' : 'lnetctl-net-show-lo.yaml') }),
    },
  ];
}

/** What a charm runs to bring LNet up on a fresh node (with lnetHandlers). */
export const FRESH_LNET = [
  ['modprobe', 'lnet'],
  ['lnetctl', 'lnet', 'configure'],
  ['lnetctl', 'net', 'show'],
  ['lnetctl', 'net', 'add', '--net', 'tcp0', '--if', 'eth0'],
  ['lnetctl', 'net', 'show'],
];

/** Handlers under which each of `programs` succeeds with no output. */
export const ok = (...programs: string[]): ExecHandler[] => programs.map((p) => ({ argv: [p] }));

/** tunefs.lustre's dry run on a device formatted as the target in fixture `name`. */
export const formatted = (name: string): ExecHandler => ({
  argv: ['tunefs.lustre', '--dryrun'],
  result: { stdout: fixture(name) },
});

/** The argv of every exec the last run's machine ran, in order. */
export const execs = (ctx: Context): string[][] => ctx.machine?.ops('exec').map((op) => op.argv) ?? [];

/** lustre-server under `exec`, then lnetHandlers. */
export const serverContext = (exec: ExecHandler[]) =>
  new Context(LustreServerCharm, { meta: 'charms/lustre-server', exec: [...exec, ...lnetHandlers()] });

/** A machine whose kernel has Lustre's server modules loaded. */
export const serverMachine = (files: Record<string, string> = {}) =>
  new RecordingMachine({
    files: { '/proc/filesystems': fixture('proc-filesystems-lustre-server.txt'), ...files },
  });

/** lustre-client under `exec`, then lnetHandlers, mkdir, mount and umount. */
export const clientContext = (exec: ExecHandler[] = []) =>
  new Context(LustreClientCharm, {
    meta: 'charms/lustre-client',
    exec: [...exec, ...lnetHandlers(), ...ok('mkdir', 'mount', 'umount')],
  });

/** A machine whose kernel has the Lustre client module loaded. */
export const clientMachine = (files: Record<string, string> = {}) =>
  new RecordingMachine({
    files: { '/proc/filesystems': fixture('proc-filesystems-lustre-client.txt'), ...files },
  });
