/** The mariadb charm's SQL text: quoting, statements, passwords, redaction, error classes. */
import { RecordingMachine } from '../../framework/testing/index.js';
import {
  SQL_ARGV,
  SqlError,
  SqlUnavailableError,
  renderServerCnf,
  runSql,
} from '../../charms/mariadb/src/mariadb.js';
import {
  PASSWORD_LENGTH,
  dropUserSql,
  generatePassword,
  provisionSql,
  quoteIdentifier,
  quoteString,
  redact,
} from '../../charms/mariadb/src/sql.js';

describe('quoting', () => {
  it('identifiers: backticks doubled; empty and NUL refused', () => {
    expect(quoteIdentifier('slurm_acct_db')).toBe('`slurm_acct_db`');
    expect(quoteIdentifier('a`b')).toBe('`a``b`');
    expect(() => quoteIdentifier('')).toThrow('non-empty');
    expect(() => quoteIdentifier('a\0')).toThrow('NUL');
  });

  it('strings: quotes doubled, backslash and control characters escaped', () => {
    expect(quoteString("it's")).toBe("'it''s'");
    expect(quoteString('a\\b')).toBe("'a\\\\b'");
    expect(quoteString("x\\'; DROP USER root; --")).toBe("'x\\\\''; DROP USER root; --'");
    expect(quoteString('\0\n\r\x1a')).toBe("'\\0\\n\\r\\Z'");
  });
});

describe('statements', () => {
  it('provision: database, user, password reset, grant on that database only', () => {
    expect(provisionSql({ database: 'acct', user: 'relation-3', password: "p'w" })).toBe(
      'CREATE DATABASE IF NOT EXISTS `acct`; ' +
        "CREATE USER IF NOT EXISTS 'relation-3'@'%' IDENTIFIED BY 'p''w'; " +
        "ALTER USER 'relation-3'@'%' IDENTIFIED BY 'p''w'; " +
        "GRANT ALL PRIVILEGES ON `acct`.* TO 'relation-3'@'%';",
    );
  });

  it('drop: the user only, never the database', () => {
    expect(dropUserSql('relation-3')).toBe("DROP USER IF EXISTS 'relation-3'@'%';");
  });

  it('server settings: every address, the port', () => {
    expect(renderServerCnf(3307)).toContain('[mysqld]\nbind-address = 0.0.0.0\nport = 3307\n');
  });
});

describe('passwords', () => {
  it('are 32 letters and digits, different each time', () => {
    const seen = new Set(Array.from({ length: 50 }, () => generatePassword()));
    expect(seen.size).toBe(50);
    for (const p of seen) expect(p).toMatch(new RegExp(`^[A-Za-z0-9]{${PASSWORD_LENGTH}}$`));
  });

  it('are masked by redact', () => {
    expect(redact("IDENTIFIED BY 'abc' and abc", ['abc', ''])).toBe("IDENTIFIED BY '***' and ***");
  });
});

describe('runSql', () => {
  const machine = (stderr: string, exitCode = 1) =>
    new RecordingMachine({ exec: [{ argv: SQL_ARGV, result: { exitCode, stderr } }] });

  it('passes the SQL as the last argument and returns stdout', async () => {
    const m = new RecordingMachine({ exec: [{ argv: SQL_ARGV, result: { stdout: '1\n' } }] });
    expect(await runSql(m, 'SELECT 1;', [])).toBe('1\n');
    expect(m.ops('exec')).toEqual([{ kind: 'exec', argv: [...SQL_ARGV, 'SELECT 1;'] }]);
  });

  it.each([
    ["ERROR 1045 (28000): Access denied for user 'root'@'localhost'", SqlError],
    ["ERROR 2002 (HY000): Can't connect to local server through socket", SqlUnavailableError],
    ['ERROR 2013 (HY000): Lost connection to server during query', SqlUnavailableError],
    ['mariadb: not found', SqlUnavailableError],
  ])('%j → %p', async (stderr, type) => {
    await expect(runSql(machine(stderr), 'SELECT 1;', [])).rejects.toBeInstanceOf(type);
  });

  it('masks secrets in the error, even when the server echoes the statement', async () => {
    const err = await runSql(machine("ERROR 1064 (42000): syntax error near 's3cretpw'"), 'x', [
      's3cretpw',
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect(err instanceof SqlError && [err.message, err.code]).toEqual([
      "ERROR 1064 (42000): syntax error near '***'",
      1064,
    ]);
  });
});
