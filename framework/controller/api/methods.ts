/**
 * The controller API's methods: name → params schema (zod, checked on the server)
 * and result type. The CLI and the dashboard are the only clients
 * (ARCHITECTURE, "Controller API"). Every method but `models.*` takes `model`.
 */
import { z } from 'zod';
import type { ModelStatusView } from './status.js';

const model = z.string().min(1).max(63);
const appName = z
  .string()
  .regex(
    /^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$/,
    'application names are lowercase words joined by hyphens',
  );
const unitName = z.string().regex(/^[a-z][a-z0-9-]*\/\d+$/, 'unit names are <application>/<number>');
/** The largest config value a client may set (UTF-8 bytes); a whole request may be 4 MiB. */
export const MAX_CONFIG_VALUE_BYTES = 1024 * 1024;
/** A config value as CLI text, at most MAX_CONFIG_VALUE_BYTES. */
const configValue = z.string().refine(
  // Cheap for the usual short value: only long strings are measured.
  (v) => v.length * 3 <= MAX_CONFIG_VALUE_BYTES || Buffer.byteLength(v, 'utf8') <= MAX_CONFIG_VALUE_BYTES,
  'must be at most 1 MiB (1048576 bytes): keep large content in a file and set its path instead',
);
/** `app` or `app:endpoint`. */
const endpointRef = z
  .string()
  .regex(/^[a-z][a-z0-9-]*(?::[a-z][a-z0-9-_]*)?$/, 'expected <application>[:<endpoint>]');

export const methodParams = {
  'models.list': z.object({}).strict(),
  'models.add': z
    .object({
      name: model,
      substrate: z.enum(['sandbox', 'netns']).default('sandbox'),
      /** How hooks run: in the controller's process, or one child process per hook through the charm's dispatch. */
      isolation: z.enum(['in-process', 'process']).default('in-process'),
    })
    .strict(),
  'models.destroy': z.object({ name: model }).strict(),
  deploy: z
    .object({
      model,
      /** A bundle file (absolute path) and its overlays, in order. */
      bundle: z
        .object({ path: z.string(), overlays: z.array(z.string()).default([]) })
        .strict()
        .optional(),
      /** Or one charm: a path or a name under charms/. */
      charm: z
        .object({
          ref: z.string().min(1),
          app: appName.optional(),
          numUnits: z.number().int().min(0).max(10000).default(1),
          /** Config as CLI text (`k=v`), typed against the charm's options on the server. */
          config: z.record(z.string(), configValue).default({}),
          to: z.array(z.string()).default([]),
          constraints: z.string().default(''),
        })
        .strict()
        .optional(),
      dryRun: z.boolean().default(false),
    })
    .strict(),
  'add-unit': z
    .object({
      model,
      app: appName,
      count: z.number().int().min(1).max(10000).default(1),
      to: z.array(z.string()).default([]),
    })
    .strict(),
  'remove-unit': z.object({ model, units: z.array(unitName).min(1) }).strict(),
  'remove-application': z.object({ model, app: appName }).strict(),
  integrate: z.object({ model, a: endpointRef, b: endpointRef }).strict(),
  'remove-relation': z.object({ model, a: endpointRef, b: endpointRef }).strict(),
  'config.get': z.object({ model, app: appName }).strict(),
  'config.set': z
    .object({
      model,
      app: appName,
      values: z.record(z.string(), configValue).default({}),
      reset: z.array(z.string()).default([]),
    })
    .strict(),
  /** Run an action on units (`app/0`) or an application's leader (`app/leader`). */
  run: z
    .object({
      model,
      targets: z.array(z.string()).min(1),
      action: z.string().min(1),
      params: z.record(z.string(), z.unknown()).default({}),
    })
    .strict(),
  'task.get': z.object({ model, id: z.number().int().min(1) }).strict(),
  status: z.object({ model }).strict(),
  resolve: z.object({ model, unit: unitName, retry: z.boolean().default(true) }).strict(),
  'export-bundle': z.object({ model }).strict(),
  'show-unit': z.object({ model, unit: unitName }).strict(),
  'secrets.list': z.object({ model }).strict(),
  'secrets.show': z.object({ model, id: z.string().min(1) }).strict(),
  exec: z.object({ model, unit: unitName, argv: z.array(z.string()).min(1) }).strict(),
  'model-config.get': z.object({ model }).strict(),
  'model-config.set': z.object({ model, values: z.record(z.string(), z.string()) }).strict(),
  /**
   * A one-time link to the dashboard, opening on `model`. Served by the API server
   * itself (it owns the dashboard's sessions), and refused to dashboard sessions.
   */
  'dashboard.login': z.object({ model: model.optional() }).strict(),
} as const;

export type MethodName = keyof typeof methodParams;
export type MethodParams<M extends MethodName> = z.input<(typeof methodParams)[M]>;

export interface ModelInfo {
  name: string;
  uuid: string;
  substrate: string;
  isolation: 'in-process' | 'process';
  current: boolean;
}

/** One config option as `tsops config <app>` shows it. */
export interface ConfigOptionView {
  name: string;
  type: string;
  value: string | number | boolean | null;
  default: string | number | boolean | null;
  source: 'user' | 'default' | 'unset';
  description: string;
}

export type TaskStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface TaskView {
  id: number;
  unit: string;
  action: string;
  status: TaskStatus;
  message: string;
  results: Record<string, unknown>;
  log: string[];
}

/** One planned or applied change of a deploy (bundle diff). */
export interface ChangeView {
  kind: string;
  description: string;
}

export interface ShowUnitView {
  unit: string;
  relations: Array<{
    id: number;
    endpoint: string;
    relatedEndpoint: string;
    applicationData: Record<string, string>;
    localUnitData: Record<string, string>;
    relatedUnits: Record<string, Record<string, string>>;
  }>;
  /** Recent hooks, newest last. */
  hooks: Array<{ hook: string; started: string; ms: number; outcome: 'ok' | 'error' }>;
}

export interface SecretView {
  id: string;
  owner: string;
  label: string;
  description: string;
  revision: number;
  grants: string[];
}

export interface ExecView {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A dashboard login link: works once, until `expiresAt`. */
export interface DashboardLoginView {
  /** `http://127.0.0.1:<port>/?login=<one-time token>`. */
  url: string;
  expiresAt: string;
}

export interface MethodResults {
  'models.list': ModelInfo[];
  'models.add': ModelInfo;
  'models.destroy': { destroyed: string };
  deploy: { changes: ChangeView[] };
  'add-unit': { units: string[] };
  'remove-unit': { units: string[] };
  'remove-application': { app: string };
  integrate: { id: number };
  'remove-relation': { id: number };
  'config.get': ConfigOptionView[];
  'config.set': { changed: string[] };
  run: { tasks: TaskView[] };
  'task.get': TaskView;
  status: ModelStatusView;
  resolve: { unit: string };
  'export-bundle': { yaml: string };
  'show-unit': ShowUnitView;
  'secrets.list': SecretView[];
  'secrets.show': SecretView;
  exec: ExecView;
  'model-config.get': Record<string, string>;
  'model-config.set': { changed: string[] };
  'dashboard.login': DashboardLoginView;
}

/** Server-pushed streams a client can subscribe to. */
export const streamParams = {
  /** The whole ModelStatusView whenever it changes (coalesced). */
  status: z.object({ model }).strict(),
  /** Log lines; `replay` sends history first. */
  log: z
    .object({
      model,
      include: z.array(z.string()).default([]),
      exclude: z.array(z.string()).default([]),
      level: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR']).default('DEBUG'),
      replay: z.boolean().default(false),
      lines: z.number().int().min(0).max(100000).optional(),
    })
    .strict(),
} as const;

export type StreamName = keyof typeof streamParams;

export interface LogLine {
  id: number;
  timestamp: string;
  /** `unit-demo-0`, or `controller`. */
  entity: string;
  level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
  module: string;
  message: string;
}

export interface StreamData {
  status: ModelStatusView;
  log: LogLine;
}
