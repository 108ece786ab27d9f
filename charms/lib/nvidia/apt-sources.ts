/**
 * Which apt components a Debian machine has enabled, read from /etc/apt/sources.list and
 * /etc/apt/sources.list.d/*.list (one-line format) and *.sources (deb822 format, the default
 * on Debian 12 cloud images).
 */
import type { Machine } from '../../../framework/ops/machine.js';

/** One enabled `deb` source: where it was declared, its suites and its components. */
export interface AptSource {
  file: string;
  suites: string[];
  components: string[];
}

/** `deb [opts] uri suite comp…` lines; deb-src and commented lines are skipped. */
export function parseOneLineSources(file: string, text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line.startsWith('deb ') && !line.startsWith('deb\t')) continue;
    // Drop the optional "[arch=amd64 signed-by=…]" block before splitting.
    const words = line
      .replace(/\[[^\]]*\]/, ' ')
      .split(/\s+/)
      .slice(1);
    const [, suite, ...components] = words;
    if (suite) sources.push({ file, suites: [suite], components });
  }
  return sources;
}

/** deb822 stanzas (`Types:`, `Suites:`, `Components:`, `Enabled:`) with Types including `deb`. */
export function parseDeb822Sources(file: string, text: string): AptSource[] {
  const sources: AptSource[] = [];
  const stanzas = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .split(/\n\s*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    let last = '';
    for (const line of stanza.split('\n')) {
      const field = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (field) {
        last = (field[1] ?? '').toLowerCase();
        fields.set(last, field[2] ?? '');
      } else if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`); // continuation line
      }
    }
    const words = (key: string): string[] => (fields.get(key) ?? '').split(/\s+/).filter(Boolean);
    if (!words('types').includes('deb')) continue;
    if (/^(no|false|0)$/i.test(fields.get('enabled')?.trim() ?? '')) continue;
    sources.push({ file, suites: words('suites'), components: words('components') });
  }
  return sources;
}

/** Every enabled `deb` source on the machine; files that vanish or cannot be listed are skipped. */
export async function readAptSources(machine: Machine): Promise<AptSource[]> {
  const files: string[] = [];
  if (await machine.files.exists('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  const dir = '/etc/apt/sources.list.d';
  if (await machine.files.exists(dir)) {
    for (const name of await machine.files.list(dir)) {
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push(`${dir}/${name}`);
    }
  }
  const sources: AptSource[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await machine.files.read(file);
    } catch {
      continue;
    }
    sources.push(
      ...(file.endsWith('.sources') ? parseDeb822Sources(file, text) : parseOneLineSources(file, text)),
    );
  }
  return sources;
}

/**
 * Components enabled for a release: the union over sources whose suites include `codename`
 * (the main archive, e.g. `bookworm`, not `bookworm-security`), or over all sources when the
 * codename is unknown.
 */
export function enabledComponents(sources: readonly AptSource[], codename: string | null): Set<string> {
  const relevant = codename ? sources.filter((s) => s.suites.includes(codename)) : sources;
  return new Set(relevant.flatMap((s) => s.components));
}
