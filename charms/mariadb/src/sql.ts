/**
 * The SQL the mariadb charm runs: identifier and string quoting, the statements that
 * give a client its database and user, and random passwords. Pure functions, so the
 * exact text is tested without a server.
 *
 *   provisionSql({ database: 'slurm_acct_db', user: 'relation-4', password })
 */
import { randomInt } from 'node:crypto';

/** Where client users may connect from: any host (they sit on other machines). */
export const CLIENT_HOST = '%';

const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 32 characters of 62: about 190 bits. */
export const PASSWORD_LENGTH = 32;

/**
 * A random password of letters and digits only, so that it needs no escaping in SQL,
 * in slurmdbd.conf or in a shell; node:crypto's randomInt is uniform (no modulo bias).
 */
export function generatePassword(length = PASSWORD_LENGTH): string {
  let out = '';
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

/** `` `name` ``, with backticks doubled: MariaDB's rule for quoted identifiers. */
export function quoteIdentifier(name: string): string {
  if (name === '' || name.includes('\0')) throw new Error('an SQL identifier must be non-empty, without NUL');
  return `\`${name.replaceAll('`', '``')}\``;
}

const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "''",
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\x1a': '\\Z',
};

/** `'text'`, escaped as mysql_real_escape_string does (quotes doubled, so NO_BACKSLASH_ESCAPES cannot turn one into a terminator). */
export function quoteString(text: string): string {
  return `'${Array.from(text, (c) => STRING_ESCAPES[c] ?? c).join('')}'`;
}

/** `'user'@'%'`. */
export function account(user: string, host = CLIENT_HOST): string {
  return `${quoteString(user)}@${quoteString(host)}`;
}

/** What one client gets: its database, and a user that may do anything in it. */
export interface Provision {
  database: string;
  user: string;
  password: string;
}

/**
 * Idempotent: creates what is missing and makes the password the one in the secret
 * (CREATE USER IF NOT EXISTS leaves an existing user's password alone, hence ALTER USER).
 */
export function provisionSql({ database, user, password }: Provision): string {
  const who = account(user);
  const pass = quoteString(password);
  return [
    `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`,
    `CREATE USER IF NOT EXISTS ${who} IDENTIFIED BY ${pass}`,
    `ALTER USER ${who} IDENTIFIED BY ${pass}`,
    `GRANT ALL PRIVILEGES ON ${quoteIdentifier(database)}.* TO ${who}`,
  ]
    .map((s) => `${s};`)
    .join(' ');
}

/** Drops a client's user; its database (the client's data) is kept. */
export function dropUserSql(user: string): string {
  return `DROP USER IF EXISTS ${account(user)};`;
}

/** The text with every secret replaced by `***`: what may be logged or shown. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s !== '') out = out.split(s).join('***');
  return out;
}
