/**
 * systemd command lines (systemd.service(5) "Command lines"): words split at whitespace,
 * single and double quotes with C escapes, `${VAR}` substituted anywhere, `$VAR` as a
 * word of its own split into words, `$$` a literal dollar, `%%` a literal percent.
 * `$VAR` inside a longer word is left alone, so `sh -c "… $OPTS …"` reaches the shell.
 */

/** Prefixes an ExecStart= line may carry; they change privileges or failure handling. */
export interface ExecPrefixes {
  /** `-`: a failing command is not a failure. */
  ignoreFailure: boolean;
}

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  "'": "'",
  s: ' ',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

type Token = { text: string; bare: boolean };

/** Words of a command line before variable expansion; `bare` marks an unquoted `$VAR` word. */
function tokens(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] ?? '')) i++;
    if (i >= line.length) break;
    let text = '';
    let quotedAny = false;
    while (i < line.length && !/\s/.test(line[i] ?? '')) {
      const c = line[i] ?? '';
      if (c === '"' || c === "'") {
        quotedAny = true;
        i++;
        while (i < line.length && line[i] !== c) {
          if (line[i] === '\\' && i + 1 < line.length) {
            const e = line[i + 1] ?? '';
            text += ESCAPES[e] ?? `\\${e}`;
            i += 2;
          } else text += line[i++];
        }
        if (i >= line.length) throw new Error(`unterminated ${c} quote in command line: ${line}`);
        i++;
      } else if (c === '\\' && i + 1 < line.length) {
        const e = line[i + 1] ?? '';
        text += ESCAPES[e] ?? e;
        i += 2;
      } else {
        text += c;
        i++;
      }
    }
    out.push({ text, bare: !quotedAny && /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(text) });
  }
  return out;
}

/** `${VAR}` → its value (unset: empty), `$$` → `$`; a `$NAME` inside a word is kept. */
function substitute(word: string, env: Readonly<Record<string, string>>): string {
  return word.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string | undefined) =>
    name === undefined ? '$' : (env[name] ?? ''),
  );
}

/** `%%` → `%`, `%n` → the unit name, `%N` → without suffix, `%t` → /run, `%i`/`%I` → empty. */
function specifiers(word: string, unit: string): string {
  const map: Record<string, string> = { '%': '%', n: `${unit}.service`, N: unit, t: '/run', i: '', I: '' };
  return word.replace(/%(.)/g, (m, c: string) => map[c] ?? m);
}

/** Split off the prefix characters (`-@:+!`) of an Exec line's first word. */
export function execPrefixes(line: string): { prefixes: ExecPrefixes; rest: string } {
  const m = /^\s*([-@:+!|]*)(.*)$/s.exec(line);
  const chars = m?.[1] ?? '';
  return { prefixes: { ignoreFailure: chars.includes('-') }, rest: m?.[2] ?? line };
}

/** The argv a command line means in `env`; throws on bad quoting or an empty line. */
export function parseCommandLine(
  line: string,
  env: Readonly<Record<string, string>>,
  unit = 'service',
): string[] {
  const argv: string[] = [];
  for (const t of tokens(line)) {
    if (t.bare) {
      const value = env[t.text.slice(1)] ?? '';
      argv.push(...value.split(/\s+/).filter(Boolean));
    } else {
      argv.push(specifiers(substitute(t.text, env), unit));
    }
  }
  if (argv.length === 0) throw new Error(`empty command line: ${JSON.stringify(line)}`);
  return argv;
}

/** KEY=VALUE lines of an EnvironmentFile=: comments and blank lines skipped, one level of quotes removed. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2] ?? '';
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) value = value.slice(1, -1);
    env[m[1] ?? ''] = value;
  }
  return env;
}

/** `Environment=` assignments: quoted words, each `KEY=VALUE`. */
export function parseEnvironmentLine(line: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const t of tokens(line)) {
    const eq = t.text.indexOf('=');
    if (eq > 0) env[t.text.slice(0, eq)] = t.text.slice(eq + 1);
  }
  return env;
}
