/**
 * LNet names: networks (`tcp`, `tcp1`, `o2ib`), NIDs (`10.0.0.1@tcp`, `192.168.1.2@o2ib1`)
 * and Lustre filesystem names, with errors that say what is wrong.
 * IPv6 NIDs (Lustre 2.16 large NIDs) are not accepted: `:` separates MGS nodes in mount sources.
 */

/** LNet network drivers (LNDs) accepted here. */
export const LNDS = ['tcp', 'o2ib', 'gni', 'kfi', 'lo'] as const;

/** An LNet network driver. */
export type Lnd = (typeof LNDS)[number];

/** An LNet network: driver plus number (`tcp` and `tcp0` are the same network, number 0). */
export interface LnetNetwork {
  lnd: Lnd;
  number: number;
}

/** A node identifier on an LNet network. */
export interface Nid {
  address: string;
  net: LnetNetwork;
}

/** A NID, network or filesystem name that is not valid. */
export class NidError extends Error {
  override name = 'NidError';
}

function isLnd(value: string): value is Lnd {
  return (LNDS as readonly string[]).includes(value);
}

/** `tcp`, `tcp0`, `o2ib1` → driver and number; throws NidError otherwise. */
export function parseNet(text: string): LnetNetwork {
  const match = new RegExp(`^(${LNDS.join('|')})(\\d*)$`).exec(text.trim());
  const lnd = match?.[1] ?? '';
  if (!match || !isLnd(lnd)) {
    throw new NidError(
      `invalid LNet network ${JSON.stringify(text)}: expected one of ${LNDS.join(', ')} with an optional number (e.g. tcp0, o2ib1)`,
    );
  }
  const number = match[2] ? Number(match[2]) : 0;
  if (number > 65535) throw new NidError(`invalid LNet network ${JSON.stringify(text)}: number above 65535`);
  if (lnd === 'lo' && number !== 0)
    throw new NidError(`invalid LNet network ${JSON.stringify(text)}: lo has no number`);
  return { lnd, number };
}

/** The canonical name LNet prints: number 0 is left out (`tcp`, `o2ib1`). */
export function formatNet(net: LnetNetwork): string {
  return net.number === 0 ? net.lnd : `${net.lnd}${net.number}`;
}

/** Whether two network names denote the same network (`tcp0` and `tcp` do). */
export function sameNet(a: string, b: string): boolean {
  return formatNet(parseNet(a)) === formatNet(parseNet(b));
}

function checkAddress(text: string, address: string, lnd: Lnd): void {
  const bad = (why: string): never => {
    throw new NidError(`invalid NID ${JSON.stringify(text)}: ${why}`);
  };
  if (lnd === 'lo') {
    if (address !== '0') bad('the loopback NID is 0@lo');
    return;
  }
  if (lnd === 'gni' || lnd === 'kfi') {
    if (!/^\d+$/.test(address)) bad(`${lnd} addresses are decimal numbers`);
    return;
  }
  const octets = address.split('.');
  if (octets.length !== 4 || octets.some((o) => !/^\d{1,3}$/.test(o))) {
    bad(`${JSON.stringify(address)} is not an IPv4 address (${lnd} NIDs are <a.b.c.d>@${lnd}<n>)`);
  }
  const high = octets.find((o) => Number(o) > 255);
  if (high !== undefined) bad(`${high} is not an IPv4 octet (0-255)`);
}

/** `10.0.0.1@tcp` → address and network; throws NidError saying what is wrong. */
export function parseNid(text: string): Nid {
  const trimmed = text.trim();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) {
    throw new NidError(`invalid NID ${JSON.stringify(text)}: missing "@<network>" (e.g. 10.0.0.1@tcp)`);
  }
  const address = trimmed.slice(0, at);
  if (!address) throw new NidError(`invalid NID ${JSON.stringify(text)}: no address before "@"`);
  let net: LnetNetwork;
  try {
    net = parseNet(trimmed.slice(at + 1));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new NidError(`invalid NID ${JSON.stringify(text)}: ${why}`);
  }
  checkAddress(text, address, net.lnd);
  return { address, net };
}

/** The canonical text of a NID (`10.0.0.1@tcp`, never `@tcp0`). */
export function formatNid(nid: Nid): string {
  return `${nid.address}@${formatNet(nid.net)}`;
}

/** Validate and canonicalize a NID's text. */
export function normalizeNid(text: string): string {
  return formatNid(parseNid(text));
}

/** `a@tcp,b@o2ib` → canonical NIDs; throws NidError on the first bad one. */
export function parseNidList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(normalizeNid);
}

/**
 * Check a filesystem name as mkfs.lustre does: 1 to 8 characters, letters, digits, `_` and `-`
 * (it becomes part of target names such as `<fsname>-OST0000`).
 */
export function validateFsname(fsname: string): string {
  if (!/^[A-Za-z0-9_-]{1,8}$/.test(fsname)) {
    throw new NidError(
      `invalid Lustre filesystem name ${JSON.stringify(fsname)}: 1 to 8 letters, digits, "_" or "-"`,
    );
  }
  return fsname;
}
