/**
 * The `lustre://` endpoint of the reference's filesystem_info interface:
 * `lustre://(192.168.227.11%40tcp1,192.168.227.12%40tcp1)/?fs-name=lustre`, one NID per
 * MGS node inside the parentheses, with `@` percent-encoded.
 */
import { NidError, normalizeNid, validateFsname } from './nid.js';

/** What a Lustre client needs to mount: the MGS nodes' NIDs and the filesystem name. */
export interface LustreEndpoint {
  mgsNids: string[];
  fsname: string;
}

/** Render an endpoint as a `lustre://` URI; validates the NIDs and the name. */
export function formatLustreUri(endpoint: LustreEndpoint): string {
  if (endpoint.mgsNids.length === 0) throw new NidError('a Lustre endpoint needs at least one MGS NID');
  const nids = endpoint.mgsNids.map((nid) => encodeURIComponent(normalizeNid(nid)));
  return `lustre://(${nids.join(',')})/?fs-name=${encodeURIComponent(validateFsname(endpoint.fsname))}`;
}

function decode(uri: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new NidError(`invalid Lustre endpoint ${JSON.stringify(uri)}: bad percent-encoding in ${part}`);
  }
}

/** Parse a `lustre://` URI; throws NidError naming what is wrong. */
export function parseLustreUri(uri: string): LustreEndpoint {
  const match = /^lustre:\/\/\(([^)]*)\)\/?(?:\?(.*))?$/.exec(uri.trim());
  if (!match) {
    throw new NidError(
      `invalid Lustre endpoint ${JSON.stringify(uri)}: expected lustre://(<nid>,…)/?fs-name=<name>`,
    );
  }
  const mgsNids = (match[1] ?? '')
    .split(',')
    .filter(Boolean)
    .map((nid) => normalizeNid(decode(uri, nid)));
  if (mgsNids.length === 0) throw new NidError(`invalid Lustre endpoint ${JSON.stringify(uri)}: no MGS NID`);
  const fsname = new URLSearchParams(match[2] ?? '').get('fs-name');
  if (fsname === null) throw new NidError(`invalid Lustre endpoint ${JSON.stringify(uri)}: no fs-name`);
  return { mgsNids, fsname: validateFsname(fsname) };
}
