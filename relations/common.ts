/**
 * Schema pieces shared by several interfaces: secret ids, host names and ports,
 * Slurm keys and values, the munge key's secret content.
 *
 *   HostPortSchema.parse('ctl-0.example:6817');  parseHostPort('[fd00::1]:6819') → { host: 'fd00::1', port: 6819 }
 */
import { z } from 'zod';

/** A Juju secret id (`secret:<20 base32hex>` or `secret://<model-uuid>/<id>`): only ever an id, never content. */
export const SecretIdSchema = z
  .string()
  .regex(/^secret:(\/\/[0-9a-f-]+\/)?[0-9a-v]{20}$/, { error: 'must be a Juju secret id (secret:…)' });

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/** A host name or IPv4 address (IPv6 addresses are accepted bare here; `host:port` brackets them). */
export const HostSchema = z.string().refine((h) => HOSTNAME.test(h) || (h.includes(':') && IPV6.test(h)), {
  error: 'must be a host name or an IP address',
});

export const PortSchema = z.number().int().min(1).max(65535);

/** A TCP endpoint: host (IPv6 without brackets) and port. */
export interface HostPort {
  host: string;
  port: number;
}

/** `host:port` or `[ipv6]:port` → `{host, port}`; throws a message saying what is wrong. */
export function parseHostPort(text: string): HostPort {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  if (!m || host === undefined || m[3] === undefined)
    throw new Error(`'${text}' is not host:port (IPv6 as [addr]:port)`);
  if (!HostSchema.safeParse(host).success)
    throw new Error(`'${host}' in '${text}' is not a host name or address`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`port ${port} in '${text}' is out of range 1-65535`);
  return { host, port };
}

/** `{host: 'fd00::1', port: 6819}` → `[fd00::1]:6819`. */
export function formatHostPort({ host, port }: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A string schema that accepts what `parse` accepts; the reason is parse's error message. */
export function parsedString(parse: (text: string) => unknown) {
  return z.string().superRefine((text, ctx) => {
    try {
      parse(text);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
    }
  });
}

/** A `host:port` string, checked with parseHostPort. */
export const HostPortSchema = parsedString(parseHostPort);

/** A slurm.conf key: letters, digits and `_`, starting with a letter (`MaxTime`). */
export const SlurmKeySchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, { error: 'must be a Slurm key (letters, digits, _)' });

/**
 * A slurm.conf value that needs no quoting: no whitespace, no `#` (a comment), no
 * quotes or backslashes (escapes), so it can never break the line it is put on.
 */
export const SlurmValueSchema = z
  .string()
  .min(1)
  .regex(/^[^\s#"'\\]+$/, { error: 'must be a Slurm value without spaces, newlines, #, quotes or \\' });

/** A Slurm partition, node or model name: `compute`, `compute-3`, `tesla_t4`. */
export const SlurmNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'must be a Slurm name (letters, digits, _ . -)' })
  .max(64);

/** The consumer label under which a unit reads the munge key, so secret-changed names it. */
export const MUNGE_KEY_LABEL = 'munge-key';

/** Content of slurmctld's munge key secret: `key`, the key's bytes in base64 (munge wants ≥ 32 bytes). */
export const MungeKeyContentSchema = z.object({
  key: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: 'must be base64' })
    .refine((k) => Buffer.from(k, 'base64').length >= 32, { error: 'must hold at least 32 bytes' }),
});
export type MungeKeyContent = z.infer<typeof MungeKeyContentSchema>;
