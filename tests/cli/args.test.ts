/** Argument parsing of the tsops CLI, and one-line errors for bad arguments (no controller started). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  classifyDeployTarget,
  parseConfigArgs,
  parseList,
  parseRunParams,
  parseScalar,
  seconds,
  splitKeyValue,
  wholeNumber,
} from '../../framework/cli/args.js';
import { CliContext } from '../../framework/cli/context.js';
import type { CliDeps } from '../../framework/cli/context.js';
import { buildProgram, run } from '../../framework/cli/main.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsops-args-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('run params', () => {
  it('nests dotted keys', () => {
    expect(parseRunParams(['a.b=1', 'a.c.d=x', 'e=2'], { stringArgs: false })).toEqual({
      a: { b: 1, c: { d: 'x' } },
      e: 2,
    });
  });

  it('parses values as YAML scalars', () => {
    const p = parseRunParams(['i=42', 'f=1.5', 't=true', 'n=null', 's=hello', 'q="42"', 'e=', 'y=yes'], {
      stringArgs: false,
    });
    expect(p).toEqual({ i: 42, f: 1.5, t: true, n: null, s: 'hello', q: '42', e: '', y: 'yes' });
  });

  it('keeps maps, lists and broken YAML as text', () => {
    expect(parseScalar('a: b')).toBe('a: b');
    expect(parseScalar('[1, 2')).toBe('[1, 2');
    expect(parseScalar('x=y')).toBe('x=y');
  });

  it('keeps every value a string with --string-args', () => {
    expect(parseRunParams(['a.b=1', 't=true', 'e='], { stringArgs: true })).toEqual({
      a: { b: '1' },
      t: 'true',
      e: '',
    });
  });

  it('refuses a key that is both a value and a group, and bad names', () => {
    expect(() => parseRunParams(['a=1', 'a.b=2'], { stringArgs: false })).toThrow(
      /both as a value and as a group/,
    );
    expect(() => parseRunParams(['a.b=2', 'a=1'], { stringArgs: false })).toThrow(
      /both as a value and as a group/,
    );
    expect(() => parseRunParams(['a..b=1'], { stringArgs: false })).toThrow(/bad parameter name 'a..b'/);
    expect(() => parseRunParams(['__proto__.x=1'], { stringArgs: false })).toThrow(/bad parameter name/);
    expect(() => parseRunParams(['novalue'], { stringArgs: false })).toThrow(
      "expected key=value, got 'novalue'",
    );
  });
});

describe('config arguments', () => {
  it('splits k=v at the first =, so values may contain =', () => {
    expect(splitKeyValue('opts=a=b=c')).toEqual(['opts', 'a=b=c']);
    expect(splitKeyValue('empty=')).toEqual(['empty', '']);
    expect(() => splitKeyValue('=v')).toThrow(/expected key=value/);
  });

  it('shows all, gets one key, or sets pairs', () => {
    expect(parseConfigArgs([])).toEqual({ kind: 'show' });
    expect(parseConfigArgs(['port'])).toEqual({ kind: 'get', key: 'port' });
    expect(parseConfigArgs(['port=80', 'flags=--a=1'])).toEqual({
      kind: 'set',
      values: { port: '80', flags: '--a=1' },
    });
    expect(() => parseConfigArgs(['port', 'x=1'])).toThrow(/either one key to read or key=value pairs/);
    expect(() => parseConfigArgs(['a', 'b'])).toThrow(/either one key/);
  });
});

describe('deploy target', () => {
  it('treats .yaml and .yml paths as bundles, sent as absolute paths', () => {
    expect(classifyDeployTarget('bundles/slurm.yaml', '/work')).toEqual({
      kind: 'bundle',
      path: '/work/bundles/slurm.yaml',
    });
    expect(classifyDeployTarget('b.YML', '/w')).toEqual({ kind: 'bundle', path: '/w/b.YML' });
    expect(classifyDeployTarget('/abs/b.yml', '/w')).toEqual({ kind: 'bundle', path: '/abs/b.yml' });
  });

  it('treats anything else as a charm: a folder made absolute, or a name under charms/', () => {
    expect(classifyDeployTarget('./charms/slurmd', '/w')).toEqual({ kind: 'charm', ref: '/w/charms/slurmd' });
    expect(classifyDeployTarget('slurmd', dir)).toEqual({ kind: 'charm', ref: 'slurmd' });
    mkdirSync(join(dir, 'local-charm'));
    expect(classifyDeployTarget('local-charm', dir)).toEqual({
      kind: 'charm',
      ref: join(dir, 'local-charm'),
    });
  });
});

describe('small parsers', () => {
  it('joins repeated and comma-separated lists', () => {
    expect(parseList(['0,1', ' 2 ', ''])).toEqual(['0', '1', '2']);
  });

  it('reads seconds and whole numbers', () => {
    expect(seconds('30')).toBe(30);
    expect(seconds('1.5')).toBe(1.5);
    expect(seconds('5m')).toBe(300);
    expect(() => seconds('soon')).toThrow(/expected seconds/);
    expect(wholeNumber(1, 10)('3')).toBe(3);
    expect(() => wholeNumber(1, 10)('0')).toThrow(/from 1 to 10/);
    expect(() => wholeNumber(1, 10)('2.5')).toThrow(/whole number/);
  });
});

/** Deps with no controller: connecting is recorded and fails. */
function offlineDeps(
  onConnect: () => void,
  write: { out: (s: string) => void; err: (s: string) => void },
): CliDeps {
  return {
    stdout: { write: write.out },
    stderr: { write: write.err },
    stdinIsTTY: false,
    env: {},
    cwd: dir,
    home: () => join(dir, 'home'),
    ensureController: () => Promise.reject(new Error('tests start no controller')),
    stopController: () => Promise.reject(new Error('tests start no controller')),
    connect: () => {
      onConnect();
      return Promise.reject(new Error('tests start no controller'));
    },
    onInterrupt: () => () => {},
    ask: () => Promise.resolve('n'),
    progressStream: () => undefined,
  };
}

/** Run `tsops <args>` with streams captured and no controller. */
async function tsops(...args: string[]) {
  let out = '';
  let err = '';
  let connected = false;
  const deps = offlineDeps(() => (connected = true), { out: (s) => (out += s), err: (s) => (err += s) });
  const code = await run(['node', 'tsops', ...args], deps);
  return { code, out, err, connected };
}

describe('one-line errors for bad arguments', () => {
  const cases: Array<[string[], RegExp]> = [
    [['stauts'], /^tsops: unknown command 'stauts' \(did you mean status\?\): see 'tsops --help'$/],
    [['add-unit'], /^tsops: missing required argument 'app': see 'tsops add-unit --help'$/],
    [['status', '--bogus'], /^tsops: unknown option '--bogus'.*: see 'tsops status --help'$/],
    [
      ['status', '--format', 'xml'],
      /^tsops: option '--format <format>' argument 'xml' is invalid\. .*sandbox|json/,
    ],
    [
      ['add-unit', 'demo', '-n', 'many'],
      /argument 'many' is invalid\. expected a whole number from 1 to 10000: see 'tsops add-unit --help'$/,
    ],
    [
      ['add-unit', 'Demo'],
      /^tsops: invalid application name 'Demo': application names are lowercase words joined by hyphens: see 'tsops status'$/,
    ],
    [['remove-unit', 'demo'], /^tsops: invalid unit name 'demo': unit names are <application>\/<number>/],
    [
      ['-m', 'lab', 'models', 'switch'],
      /^tsops: missing required argument 'name': see 'tsops models switch --help'$/,
    ],
    [['controller'], /^tsops: 'tsops controller' needs a subcommand: see 'tsops controller --help'$/],
    [
      ['run', 'demo', 'backup'],
      /^tsops: 'demo' is not a unit \(app\/0\) or an application leader \(app\/leader\): see 'tsops status'$/,
    ],
    [
      ['run', 'demo/0', 'backup', 'a=1', 'a.b=2'],
      /^tsops: parameter 'a' is given both as a value and as a group$/,
    ],
    [['run', 'demo/0', 'backup', '--wait', 'forever'], /argument 'forever' is invalid\. expected seconds/],
    [
      ['config', 'demo', 'a', 'b=1'],
      /^tsops: give either one key to read or key=value pairs to set, not 'a b=1'$/,
    ],
    [['config', 'demo', 'a', '--reset', 'b'], /^tsops: --reset cannot be combined with reading a key$/],
    [
      ['deploy', 'b.yaml', '-n', '2'],
      /^tsops: -n, --config, --to, --constraints and an application name apply to a charm, not a bundle$/,
    ],
    [['deploy', 'slurmd', '--overlay', 'o.yaml'], /^tsops: --overlay applies to a bundle/],
    [['deploy', 'missing.yaml'], /^tsops: no such bundle file: .*missing\.yaml$/],
    [['deploy', 'b.yaml', '--substrate', 'cloud'], /Allowed choices are sandbox, netns/],
    [
      ['debug-log', '--replay', '-n', '5'],
      /^tsops: use either --replay \(all history\) or --lines <n>, not both$/,
    ],
    [
      ['debug-log', '--level', 'trace'],
      /^tsops: unknown level 'TRACE': use one of DEBUG, INFO, WARNING, ERROR$/,
    ],
    [['destroy-model', 'lab'], /^tsops: destroying model 'lab' needs --yes when not run from a terminal$/],
    [['exec', 'demo/0'], /^tsops: missing required argument 'argv': see 'tsops exec --help'$/],
    [['exec', 'demo/0', 'ls', '-la'], /^tsops: unknown option '-la'.*: see 'tsops exec --help'$/],
    [['show-task', 'x'], /expected a whole number/],
    [['-m', 'my model', 'status'], /^tsops: 'my model' is not a model name/],
  ];

  it.each(cases)('tsops %j', async (args, expected) => {
    const r = await tsops(...args);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^tsops: [^\n]+\n$/);
    expect(r.err.trimEnd()).toMatch(expected);
    expect(r.out).toBe('');
    expect(r.connected).toBe(false);
  });

  it('reports an unreadable current-model file in one line', async () => {
    mkdirSync(join(dir, 'home'));
    writeFileSync(join(dir, 'home', 'current-model'), 'two words\n');
    const r = await tsops('status');
    expect(r.err).toMatch(
      /^tsops: .*current-model does not hold a model name: run 'tsops models switch <name>'\n$/,
    );
  });

  it('prints help for no arguments and --help, exit 0', async () => {
    const bare = await tsops();
    expect(bare.code).toBe(0);
    expect(bare.out).toMatch(/^Usage: tsops/);
    const help = await tsops('run', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--string-args');
    expect(help.err).toBe('');
  });
});

describe('help', () => {
  function leaves(cmd: Command): Command[] {
    return cmd.commands.flatMap((c) => [c, ...leaves(c)]).filter((c) => c.name() !== 'help');
  }

  it('every command has a description and an example', () => {
    const noop = () => {};
    const program = buildProgram(new CliContext(offlineDeps(noop, { out: noop, err: noop })));
    const commands = leaves(program);
    expect(commands.map((c) => c.name())).toEqual(
      expect.arrayContaining([
        'bootstrap',
        'stop',
        'deploy',
        'run',
        'status',
        'wait',
        'debug-log',
        'exec',
        'switch',
      ]),
    );
    for (const c of commands) {
      expect(c.description()).not.toBe('');
      let text = '';
      c.configureOutput({ writeOut: (s) => (text += s) });
      c.outputHelp();
      expect({ name: c.name(), hasExample: /Examples:\n {2}\$ tsops /.test(text) }).toEqual({
        name: c.name(),
        hasExample: true,
      });
    }
  });
});
