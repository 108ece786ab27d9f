/**
 * The munge key every Slurm daemon of a cluster shares (Slurm 22.05 on Debian has no
 * auth/slurm). slurmctld's leader owns it as an application secret; each unit that runs a
 * Slurm daemon writes it to /etc/munge/munge.key and restarts munged when it changes.
 *
 *   const own = ownMungeKey(this.model);                     // slurmctld: creates it on the leader
 *   stored.mungeKey = await installMungeKey(this.machine, own.content, stored.mungeKey);
 *
 * The key itself never leaves the secret and the key file: not in logs, statuses or
 * relation data. What a charm remembers is a short fingerprint (a hash of the key).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  SecretNotFoundError,
  type Logger,
  type Machine,
  type Model,
  type Secret,
} from '../../../framework/ops/index.js';
import { MUNGE_KEY_LABEL, MungeKeyContentSchema, type MungeKeyContent } from '../../../relations/common.js';

export const MUNGE_KEY_PATH = '/etc/munge/munge.key';
/** munge's own `mungekey` makes 1024-byte keys. */
export const MUNGE_KEY_BYTES = 1024;
export const MUNGE_SERVICE = 'munge';
export const MUNGE_PACKAGE = 'munge';
/** munged refuses a key file others can read. */
const KEY_FILE = { mode: 0o400, owner: 'munge', group: 'munge' } as const;

/** Fresh secret content: 1024 random bytes in base64. */
export function newMungeKey(): MungeKeyContent {
  return { key: randomBytes(MUNGE_KEY_BYTES).toString('base64') };
}

/** A short hash of the key, safe to store and compare; reveals nothing of the key. */
export function mungeKeyFingerprint(content: MungeKeyContent): string {
  return createHash('sha256').update(Buffer.from(content.key, 'base64')).digest('hex').slice(0, 16);
}

/**
 * slurmctld's application secret holding the munge key: looked up by label, created on the
 * leader when missing. Undefined on a non-leader before the leader has made it, and when the
 * content is not a key (logged without the content).
 */
export function ownMungeKey(
  model: Model,
  logger: Logger,
  label: string = MUNGE_KEY_LABEL,
): { secret: Secret; content: MungeKeyContent } | undefined {
  let secret: Secret;
  try {
    secret = model.getSecret({ label });
  } catch (e) {
    if (!(e instanceof SecretNotFoundError)) throw e;
    if (!model.unit.isLeader()) return undefined;
    const content = newMungeKey();
    secret = model.app.addSecret(content, { label, description: 'munge key of the Slurm cluster' });
    logger.info(`created the munge key secret ${secret.id ?? label}`);
    return { secret, content };
  }
  const parsed = MungeKeyContentSchema.safeParse(secret.getContent());
  if (!parsed.success) {
    logger.error(`the munge key secret '${label}' does not hold a base64 key of at least 32 bytes`);
    return undefined;
  }
  return { secret, content: parsed.data };
}

/**
 * Write the key file (binary, 0400 munge:munge) and restart munged, unless the file already
 * holds this key (by `installed`, the fingerprint returned last time) with the right mode.
 * Returns the fingerprint to remember.
 */
export async function installMungeKey(
  machine: Machine,
  content: MungeKeyContent,
  installed: string,
): Promise<string> {
  const fingerprint = mungeKeyFingerprint(content);
  const info = await machine.files.stat(MUNGE_KEY_PATH);
  const intact =
    info !== null &&
    (info.mode & 0o777) === KEY_FILE.mode &&
    info.owner === KEY_FILE.owner &&
    info.group === KEY_FILE.group;
  if (fingerprint === installed && intact) return fingerprint;
  await machine.files.write(MUNGE_KEY_PATH, Buffer.from(content.key, 'base64'), KEY_FILE);
  await machine.services.enable(MUNGE_SERVICE);
  await machine.services.restart(MUNGE_SERVICE);
  return fingerprint;
}
