/** Hook tools for secrets: content arrives in `key#file=path` files the caller wrote, never in argv. */
import type { SecretRotatePolicy } from '../../../ops/backend.js';
import { ToolError, atMost, flagBool, flagText, usage, type FlagSpec, type ParsedArgs } from './flags.js';
import { FORMAT, REL, out, readArg, relation, type Tool, type ToolRequest } from './tool-support.js';

const ROTATE: readonly string[] = ['never', 'hourly', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly'];

/** Secret content arguments: `key#file=path`, `key#base64=…` or `key=value`. */
function secretContent(req: ToolRequest, args: readonly string[]): Record<string, string> {
  const content: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw usage(`key value "${a}" not valid`);
    let key = a.slice(0, eq);
    let value = a.slice(eq + 1);
    if (key.endsWith('#file')) {
      key = key.slice(0, -5);
      value = readArg(req, value);
    } else if (key.endsWith('#base64')) {
      key = key.slice(0, -7);
      value = Buffer.from(value, 'base64').toString('utf8');
    }
    content[key] = value;
  }
  return content;
}

/** The metadata flags of secret-add and secret-set. */
const SECRET_META: FlagSpec = {
  label: 'value',
  description: 'value',
  expire: 'value',
  rotate: 'value',
  owner: 'value',
  file: 'value',
};

function secretMeta(p: ParsedArgs): {
  label?: string;
  description?: string;
  expire?: Date;
  rotate?: SecretRotatePolicy;
} {
  if (flagText(p, 'file') !== undefined) throw usage('--file is not supported: pass key#file=path');
  const meta: { label?: string; description?: string; expire?: Date; rotate?: SecretRotatePolicy } = {};
  const label = flagText(p, 'label');
  if (label !== undefined) meta.label = label;
  const description = flagText(p, 'description');
  if (description !== undefined) meta.description = description;
  const expire = flagText(p, 'expire');
  if (expire !== undefined) {
    // An RFC 3339 time, or a duration from now (`24h`, `30m`, `10s`).
    const m = /^(\d+)(h|m|s)$/.exec(expire);
    const unit = m?.[2] === 'h' ? 3_600_000 : m?.[2] === 'm' ? 60_000 : 1000;
    const t = m ? Date.now() + Number(m[1]) * unit : Date.parse(expire);
    if (Number.isNaN(t)) throw usage(`expire time or duration "${expire}" not valid`);
    meta.expire = new Date(t);
  }
  const rotate = flagText(p, 'rotate');
  if (rotate !== undefined) {
    const policy = ROTATE.find((r): r is SecretRotatePolicy => r === rotate);
    if (!policy) throw usage(`rotate policy "${rotate}" not valid`);
    meta.rotate = policy;
  }
  return meta;
}

export const SECRET_TOOLS: Record<string, Tool> = {
  'secret-add': {
    flags: SECRET_META,
    run: ({ ctx, p, req }) => {
      if (p.args.length === 0) throw usage('missing secret value or filename');
      const owner = flagText(p, 'owner') ?? 'application';
      if (owner !== 'application' && owner !== 'unit') throw usage(`secret owner "${owner}" not valid`);
      return `${ctx.backend.secretAdd(secretContent(req, p.args), { ...secretMeta(p), owner })}\n`;
    },
  },
  'secret-get': {
    flags: { ...FORMAT, label: 'value', peek: 'bool', refresh: 'bool' },
    run: ({ ctx, p }) => {
      atMost(p, 2);
      const [id, key] = p.args;
      const label = flagText(p, 'label');
      if (id === undefined && label === undefined) throw usage('require either a secret URI or label');
      const peek = flagBool(p, 'peek');
      const refresh = flagBool(p, 'refresh');
      if (peek && refresh) throw usage('specify one of --peek or --refresh but not both');
      const content = ctx.backend.secretGet({
        ...(id !== undefined ? { id } : {}),
        ...(label !== undefined ? { label } : {}),
        ...(peek ? { peek } : {}),
        ...(refresh ? { refresh } : {}),
      });
      if (key === undefined) return out(p, content);
      const value = content[key];
      if (value === undefined) throw new ToolError(`secret key "${key}" not found`);
      return out(p, value);
    },
  },
  'secret-info-get': {
    flags: { ...FORMAT, label: 'value' },
    run: ({ ctx, p }) => {
      atMost(p, 1);
      const id = p.args[0];
      const label = flagText(p, 'label');
      if ((id === undefined) === (label === undefined))
        throw usage('specify either a secret URI or label but not both');
      const info = ctx.backend.secretInfoGet(id !== undefined ? { id } : { label });
      const md: Record<string, unknown> = { revision: info.revision, label: info.label ?? '' };
      if (info.description) md.description = info.description;
      if (info.rotation) md.rotation = info.rotation;
      if (info.expires) md.expiry = info.expires.toISOString();
      if (info.rotates) md.rotates = info.rotates.toISOString();
      // Juju keys the answer by the bare id.
      return out(p, { [info.id.slice(info.id.lastIndexOf('/') + 1).replace(/^secret:/, '')]: md });
    },
  },
  'secret-set': {
    flags: SECRET_META,
    run: ({ ctx, p, req }) => {
      const [id, ...rest] = p.args;
      if (id === undefined) throw usage('missing secret URI');
      const meta = secretMeta(p);
      ctx.backend.secretSet(id, rest.length > 0 ? { ...meta, content: secretContent(req, rest) } : meta);
    },
  },
  'secret-grant': {
    flags: { ...REL, unit: 'value' },
    run: (call) => {
      const { ctx, p } = call;
      atMost(p, 1);
      const id = p.args[0];
      if (id === undefined) throw usage('missing secret URI');
      if (flagText(p, 'relation') === undefined) throw usage('missing relation');
      ctx.backend.secretGrant(id, relation(call), flagText(p, 'unit'));
    },
  },
  'secret-revoke': {
    flags: { ...REL, unit: 'value', app: 'value' },
    run: (call) => {
      const { ctx, p } = call;
      atMost(p, 1);
      const id = p.args[0];
      if (id === undefined) throw usage('missing secret URI');
      if (flagText(p, 'relation') === undefined) throw usage('missing relation');
      ctx.backend.secretRevoke(id, relation(call), flagText(p, 'unit') ?? flagText(p, 'app'));
    },
  },
  'secret-remove': {
    flags: { revision: 'value' },
    run: ({ ctx, p }) => {
      atMost(p, 1);
      const id = p.args[0];
      if (id === undefined) throw usage('missing secret URI');
      const rev = flagText(p, 'revision');
      if (rev !== undefined && !/^\d+$/.test(rev))
        throw usage(`invalid value "${rev}" for option --revision`);
      ctx.backend.secretRemove(id, rev === undefined ? undefined : Number(rev));
    },
  },
  'secret-ids': {
    flags: FORMAT,
    run: ({ ctx, p }) => {
      atMost(p, 0);
      return out(p, ctx.backend.secretIds());
    },
  },
};
