/**
 * The real API server (HTTP, sessions, WebSocket) in front of a model the test
 * controls: status and log pushes come from the test, not from a controller.
 */
import { ApiClient } from '../../framework/controller/api/client.js';
import type { LogLine, ShowUnitView } from '../../framework/controller/api/methods.js';
import { ApiError } from '../../framework/controller/api/protocol.js';
import { startApiServer, type ApiServer } from '../../framework/controller/api/server.js';
import type { ModelStatusView } from '../../framework/controller/api/status.js';
import { DashboardSessions } from '../../framework/controller/dashboard/sessions.js';

export const TOKEN = 'c'.repeat(64);

export interface FakeController {
  port: number;
  /** Replace (or add) a model, and push it to the page's subscribers of that model. */
  setStatus(status: ModelStatusView): void;
  /** Push a log line to every log subscriber (and keep it for later replays). */
  log(line: LogLine): void;
  /** What `deploy` and friends were asked: a dashboard session must never reach them. */
  writes: string[];
  /** A one-time dashboard link, as `tsops dashboard` gets it. */
  link(model?: string): Promise<string>;
  /** Stop serving (the page sees the controller go away). */
  stop(): Promise<void>;
  /** Serve again on the same port; `forget` drops the sessions, as a restarted controller does. */
  restart(forget?: boolean): Promise<void>;
}

export async function fakeController(
  models: ModelStatusView[],
  units: Record<string, ShowUnitView> = {},
): Promise<FakeController> {
  const statuses = new Map(models.map((m) => [m.model.name, m]));
  const lines: LogLine[] = [];
  const statusPush = new Set<{ model: string; push: (s: ModelStatusView) => void }>();
  const logPush = new Set<(l: LogLine) => void>();
  const writes: string[] = [];
  let sessions = new DashboardSessions();
  const refuse = (method: string) => async () => {
    writes.push(method);
    return Promise.reject(new ApiError('conflict', `${method} is not for tests`));
  };
  const statusOf = (model: string): ModelStatusView => {
    const status = statuses.get(model);
    if (status === undefined) throw new ApiError('not-found', `unknown model '${model}'`);
    return status;
  };
  const start = (port = 0): Promise<ApiServer> =>
    startApiServer({
      port,
      token: TOKEN,
      dashboardSessions: sessions,
      handlers: {
        'models.list': async () =>
          [...statuses.values()].map((s) => ({
            name: s.model.name,
            uuid: s.model.uuid,
            substrate: 'sandbox',
            isolation: 'in-process' as const,
            current: false,
          })),
        status: async ({ model }) => statusOf(model),
        'show-unit': async ({ unit }) => {
          const view = units[unit];
          if (view === undefined) throw new ApiError('not-found', `unknown unit '${unit}'`);
          return view;
        },
        deploy: refuse('deploy'),
        'models.destroy': refuse('models.destroy'),
      },
      streams: {
        status: ({ model }, push) => {
          push(statusOf(model));
          const entry = { model, push };
          statusPush.add(entry);
          return () => statusPush.delete(entry);
        },
        log: ({ lines: n }, push) => {
          const replay = n === undefined ? [] : lines.slice(Math.max(0, lines.length - n));
          for (const l of replay) push(l);
          logPush.add(push);
          return () => logPush.delete(push);
        },
      },
    });
  let server = await start();
  const port = server.port;
  return {
    port,
    writes,
    setStatus(next) {
      statuses.set(next.model.name, next);
      for (const { model, push } of statusPush) if (model === next.model.name) push(next);
    },
    log(line) {
      lines.push(line);
      for (const push of logPush) push(line);
    },
    async link(model) {
      const client = await ApiClient.connect(`ws://127.0.0.1:${port}`, TOKEN);
      try {
        return (await client.call('dashboard.login', { model })).url;
      } finally {
        await client.close();
      }
    },
    stop: () => server.close(),
    async restart(forget = false) {
      if (forget) sessions = new DashboardSessions();
      server = await start(port);
    },
  };
}
