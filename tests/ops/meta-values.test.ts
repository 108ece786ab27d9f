import { ActionParamsError, MetadataError, ModelError } from '../../framework/ops/errors.js';
import {
  metaFromJson,
  parseCharmMeta,
  parseConfigAssignment,
  typedConfig,
  validateActionParams,
} from '../../framework/ops/meta/index.js';

// Values checked against charm.yaml at hook time: config, action params, built metadata JSON.

const CONFIG_YAML = `name: slurmctld
requires:
  slurmd: {interface: slurmd}
config:
  options:
    cluster-name: {type: string, default: osd-cluster}
    port: {type: int, default: 6817}
    weight: {type: float, default: 1.5}
    debug: {type: boolean, default: false}
    munge-key: {type: secret}
    nothing: {type: string, default: null}
`;

/** The message of the error `fn` throws, checking its class. */
function messageOf(fn: () => unknown, type: new (message: string) => Error): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error(`expected a ${type.name}`);
}

describe('metaFromJson', () => {
  test('rejects malformed JSON metadata naming the source and field', () => {
    const meta = JSON.parse(JSON.stringify(parseCharmMeta(CONFIG_YAML, 'charm.yaml'))) as Record<
      string,
      unknown
    >;
    (meta.endpoints as Record<string, Record<string, unknown>>).slurmd!.scope = 'galaxy';
    expect(() => metaFromJson(meta, 'build/meta.json')).toThrow(
      new MetadataError(
        'build/meta.json: not valid charm metadata JSON: endpoints.slurmd.scope: expected one of global, container',
      ),
    );
    expect(() => metaFromJson([], 'm.json')).toThrow(/m\.json: .*\(top level\): expected an object/);
  });
});

describe('config', () => {
  const meta = parseCharmMeta(CONFIG_YAML, 'charm.yaml');

  test('typedConfig keeps valid values and fills defaults', () => {
    expect(
      typedConfig(meta, { port: 7000, weight: 2, 'munge-key': 'secret:cs2c9n5mp25c78l9jsbg', debug: null }),
    ).toEqual({
      'cluster-name': 'osd-cluster',
      port: 7000,
      weight: 2,
      debug: false,
      'munge-key': 'secret:cs2c9n5mp25c78l9jsbg',
    });
  });

  test('typedConfig names each ill-typed value and unknown key', () => {
    const msg = messageOf(
      () => typedConfig(meta, { port: 1.5, debug: 'yes', 'munge-key': 'hunter2', colour: 'red' }),
      ModelError,
    );
    expect(msg).toContain(
      "unknown option 'colour' (charm 'slurmctld' declares: cluster-name, port, weight, debug, munge-key, nothing)",
    );
    expect(msg).toContain("option 'port' should be an int, got 1.5");
    expect(msg).toContain('option \'debug\' should be a boolean, got "yes"');
    expect(msg).toContain('option \'munge-key\' should be a secret id (secret:...), got "hunter2"');
  });

  test('parseConfigAssignment types CLI text', () => {
    expect(parseConfigAssignment(meta, 'port', '80')).toBe(80);
    expect(parseConfigAssignment(meta, 'port', '-3')).toBe(-3);
    expect(parseConfigAssignment(meta, 'weight', '2.5e1')).toBe(25);
    expect(parseConfigAssignment(meta, 'debug', 'true')).toBe(true);
    expect(parseConfigAssignment(meta, 'debug', 'False')).toBe(false);
    expect(parseConfigAssignment(meta, 'cluster-name', '80')).toBe('80');
    expect(parseConfigAssignment(meta, 'munge-key', 'secret://0b1c/cs2c9n5mp25c78l9jsbg')).toBe(
      'secret://0b1c/cs2c9n5mp25c78l9jsbg',
    );
  });

  test('parseConfigAssignment says what the type accepts', () => {
    expect(() => parseConfigAssignment(meta, 'port', '8o')).toThrow(
      new ModelError("config option 'port' is an int; '8o' is not an integer"),
    );
    expect(() => parseConfigAssignment(meta, 'port', '8.0')).toThrow("'8.0' is not an integer");
    expect(() => parseConfigAssignment(meta, 'port', '99999999999999999999')).toThrow('too large');
    expect(() => parseConfigAssignment(meta, 'weight', 'abc')).toThrow(
      "config option 'weight' is a float; 'abc' is not a number",
    );
    expect(() => parseConfigAssignment(meta, 'debug', 'maybe')).toThrow(
      "config option 'debug' is a boolean; 'maybe' is not true or false",
    );
    expect(() => parseConfigAssignment(meta, 'munge-key', 'hunter2')).toThrow(
      "config option 'munge-key' is a secret; 'hunter2' is not a secret id",
    );
    expect(() => parseConfigAssignment(meta, 'colour', 'red')).toThrow(
      "unknown config option 'colour' (charm 'slurmctld' declares: cluster-name",
    );
  });
});

describe('action params', () => {
  const meta = parseCharmMeta(
    `name: a
actions:
  node-config:
    params:
      nodes: {type: string}
      state: {type: string, enum: [idle, down, drain, resume], default: idle}
      reason: {type: string}
      compression:
        type: object
        properties:
          kind: {type: string, default: gzip}
          level: {type: integer, minimum: 1}
        additionalProperties: false
    required: [nodes]
    additionalProperties: false
  open:
    params:
      n: {type: integer, default: 1}
`,
    'charm.yaml',
  );

  test('applies defaults without touching the caller object', () => {
    const input = { nodes: 'n[1-4]', compression: {} };
    expect(validateActionParams(meta, 'node-config', input)).toEqual({
      nodes: 'n[1-4]',
      state: 'idle',
      compression: { kind: 'gzip' },
    });
    expect(input).toEqual({ nodes: 'n[1-4]', compression: {} });
    expect(validateActionParams(meta, 'open', undefined)).toEqual({ n: 1 });
  });

  test('lists every problem: type, enum, required, unknown parameter, nested', () => {
    const bad = { nodes: 3, state: 'up', foo: 1, compression: { level: 0, x: 1 } };
    const msg = messageOf(() => validateActionParams(meta, 'node-config', bad), ActionParamsError);
    expect(msg).toMatch(/^invalid parameters for action 'node-config': /);
    expect(msg).toContain('nodes: must be string');
    expect(msg).toContain('state: must be one of idle, down, drain, resume');
    expect(msg).toContain("unknown parameter 'foo' (the action allows: nodes, state, reason, compression)");
    expect(msg).toContain("compression: unknown key 'x' (allowed: kind, level)");
    expect(msg).toContain('compression.level: must be >= 1');
    expect(() => validateActionParams(meta, 'node-config', {})).toThrow('nodes: required parameter missing');
  });

  test('additionalProperties defaults to true (Juju < 4)', () => {
    expect(validateActionParams(meta, 'open', { n: 2, extra: 'ok' })).toEqual({ n: 2, extra: 'ok' });
    expect(() => validateActionParams(meta, 'open', { n: 'two' })).toThrow('n: must be integer');
  });

  test('params must be an object', () => {
    expect(() => validateActionParams(meta, 'open', [1])).toThrow(
      "invalid parameters for action 'open': (params): must be an object",
    );
  });

  test('unknown action lists the declared ones', () => {
    expect(() => validateActionParams(meta, 'reboot', {})).toThrow(
      new ActionParamsError("unknown action 'reboot' (charm 'a' declares: node-config, open)"),
    );
  });
});
