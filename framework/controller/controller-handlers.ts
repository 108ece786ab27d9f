/**
 * The API's implementation for one tsops home: each method validated by the API
 * server (methods.ts), then carried out by the Controller and its models.
 */
import { isAbsolute } from 'node:path';
import type { LogLine } from './api/methods.js';
import type { ApiHandlers, StreamHandlers } from './api/server.js';
import { ApiError } from './api/protocol.js';
import { Controller } from './controller.js';
import type { DaemonHandlers } from './daemon/run.js';
import { deployBundle, exportModel } from './model-bundle.js';
import {
  charmBaseDir,
  configView,
  execOnUnit,
  planCharmDeploy,
  resolveUnit,
  runAction,
  secretViews,
  showUnit,
  taskView,
} from './model-ops.js';
import { buildStatus } from './status-view.js';
import type { ModelController } from './model-controller.js';

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
type Level = (typeof LEVELS)[number];

function levelOf(s: string): Level {
  return LEVELS.find((l) => l === s) ?? 'INFO';
}

export function status(mc: ModelController) {
  return buildStatus(mc.store, mc.scheduler, mc.scheduler.running);
}

export async function createControllerHandlers(home: string): Promise<DaemonHandlers> {
  const controller = new Controller(home);
  const handlers: ApiHandlers = {
    'models.list': async () => controller.list(),
    'models.add': async (p) => controller.info(p.name, controller.add(p.name, p.substrate, p.isolation)),
    'models.destroy': async (p) => {
      await controller.destroy(p.name);
      return { destroyed: p.name };
    },
    deploy: async (p) => {
      const mc = controller.model(p.model, true);
      if (p.bundle) {
        if (!isAbsolute(p.bundle.path))
          throw new ApiError('bad-request', `bundle path must be absolute, got '${p.bundle.path}'`);
        return { changes: await deployBundle(mc, p.bundle.path, p.bundle.overlays, p.dryRun) };
      }
      if (!p.charm) throw new ApiError('bad-request', 'deploy needs a bundle or a charm');
      const c = p.charm;
      if (p.dryRun) return { changes: [planCharmDeploy(mc, c)] };
      const units = await mc.deployCharm({
        ref: c.ref,
        app: c.app,
        numUnits: c.numUnits,
        config: c.config,
        constraints: c.constraints,
        baseDir: charmBaseDir(c.ref),
        to: c.to,
      });
      // The units are named after the application, which defaults to the charm's name.
      const app = c.app ?? units[0]?.split('/')[0] ?? c.ref;
      return {
        changes: [
          {
            kind: 'addApplication',
            description: `deployed ${app} with units ${units.join(', ') || '(none)'}`,
          },
        ],
      };
    },
    'add-unit': async (p) => ({ units: await controller.model(p.model).addUnits(p.app, p.count, p.to) }),
    'remove-unit': async (p) => ({ units: controller.model(p.model).removeUnits(p.units) }),
    'remove-application': async (p) => {
      controller.model(p.model).removeApplication(p.app);
      return { app: p.app };
    },
    integrate: async (p) => ({ id: controller.model(p.model).integrate(p.a, p.b) }),
    'remove-relation': async (p) => ({ id: controller.model(p.model).removeRelation(p.a, p.b) }),
    'config.get': async (p) => configView(controller.model(p.model), p.app),
    'config.set': async (p) => ({ changed: controller.model(p.model).setConfig(p.app, p.values, p.reset) }),
    run: async (p) => ({ tasks: runAction(controller.model(p.model), p.targets, p.action, p.params) }),
    'task.get': async (p) => {
      const t = controller.model(p.model).store.task(p.id);
      if (!t) throw new ApiError('not-found', `unknown task ${p.id}`);
      return taskView(t);
    },
    status: async (p) => status(controller.model(p.model)),
    resolve: async (p) => {
      resolveUnit(controller.model(p.model), p.unit, p.retry);
      return { unit: p.unit };
    },
    'export-bundle': async (p) => ({ yaml: exportModel(controller.model(p.model)) }),
    'show-unit': async (p) => showUnit(controller.model(p.model), p.unit),
    'secrets.list': async (p) => secretViews(controller.model(p.model)),
    'secrets.show': async (p) => {
      const found = secretViews(controller.model(p.model)).find(
        (s) => s.id === p.id || s.id === `secret:${p.id}` || s.label === p.id,
      );
      if (!found) throw new ApiError('not-found', `unknown secret '${p.id}': see 'tsops secrets'`);
      return found;
    },
    exec: async (p) => execOnUnit(controller.model(p.model), p.unit, p.argv),
    'model-config.get': async (p) => {
      const cfg = controller.model(p.model).store.modelConfig();
      return {
        'update-status-hook-interval': `${cfg.updateStatusInterval}s`,
        'automatically-retry-hooks': String(cfg.automaticallyRetryHooks),
      };
    },
    'model-config.set': async (p) => {
      const mc = controller.model(p.model);
      const cfg = mc.store.modelConfig();
      const changed: string[] = [];
      for (const [k, v] of Object.entries(p.values)) {
        if (k === 'update-status-hook-interval') {
          const m = /^(\d+)(s|m)?$/.exec(v);
          const secs = m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) : NaN;
          if (!Number.isFinite(secs) || secs < 1 || secs > 3600)
            throw new ApiError('bad-request', `update-status-hook-interval must be 1s to 60m, got '${v}'`);
          cfg.updateStatusInterval = secs;
        } else if (k === 'automatically-retry-hooks') {
          if (v !== 'true' && v !== 'false')
            throw new ApiError('bad-request', `automatically-retry-hooks must be true or false, got '${v}'`);
          cfg.automaticallyRetryHooks = v === 'true';
        } else
          throw new ApiError(
            'bad-request',
            `unknown model setting '${k}' (known: update-status-hook-interval, automatically-retry-hooks)`,
          );
        changed.push(k);
      }
      mc.store.setModelConfig(cfg);
      mc.scheduler.kick();
      return { changed };
    },
  };

  const streams: StreamHandlers = {
    status: (p, push) => {
      const mc = controller.model(p.model);
      let timer: NodeJS.Timeout | undefined;
      const send = () => {
        timer = undefined;
        push(status(mc));
      };
      send();
      // Coalesce bursts of changes into at most one push every 100 ms.
      const off = controller.onChange((m) => {
        if (m === p.model && !timer) timer = setTimeout(send, 100);
      });
      const tick = setInterval(() => {
        if (!timer) timer = setTimeout(send, 0);
      }, 2000);
      return () => {
        off();
        clearInterval(tick);
        if (timer) clearTimeout(timer);
      };
    },
    log: (p, push) => {
      const mc = controller.model(p.model);
      const minLevel = LEVELS.indexOf(p.level);
      const matches = (entity: string, list: string[]) =>
        list.some(
          (x) => entity === x || entity === `unit-${x.replace('/', '-')}` || entity.startsWith(`unit-${x}-`),
        );
      let last = 0;
      const emit = (rows: ReturnType<typeof mc.store.logsAfter>) => {
        for (const r of rows) {
          last = r.id;
          const level = levelOf(r.level);
          if (LEVELS.indexOf(level) < minLevel) continue;
          if (p.include.length && !matches(r.entity, p.include)) continue;
          if (p.exclude.length && matches(r.entity, p.exclude)) continue;
          const line: LogLine = {
            id: r.id,
            timestamp: new Date(r.ts).toISOString(),
            entity: r.entity,
            level,
            module: r.module,
            message: r.message,
          };
          push(line);
        }
      };
      if (p.replay || p.lines !== undefined) {
        const all = mc.store.logsAfter(0, 1_000_000);
        emit(p.lines !== undefined ? all.slice(-p.lines) : all);
        if (all.length) last = all[all.length - 1]!.id;
      } else {
        const tail = mc.store.logsAfter(0, 1_000_000);
        last = tail.length ? tail[tail.length - 1]!.id : 0;
      }
      const tick = setInterval(() => emit(mc.store.logsAfter(last)), 250);
      return () => clearInterval(tick);
    },
  };

  return { handlers, streams, close: () => controller.close() };
}
