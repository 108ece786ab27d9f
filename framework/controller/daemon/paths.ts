/**
 * Where the controller keeps its state: one home folder (`$TSOPS_HOME`) holding
 * the daemon's info file, its API token, its log and the models.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** The tsops home: `$TSOPS_HOME`, else `$XDG_DATA_HOME/tsops`, else `~/.local/share/tsops`. */
export function tsopsHome(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.TSOPS_HOME;
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return join(xdg, 'tsops');
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  return join(home, '.local', 'share', 'tsops');
}

/** The files of a controller home. */
export interface ControllerFiles {
  /** `{pid, port, startedAt, version}` of the running daemon; absent when none runs. */
  info: string;
  /** The API token, mode 0600. */
  token: string;
  /** The daemon's stdout and stderr. */
  log: string;
  /** Held (O_EXCL) by the CLI that is starting the daemon. */
  lock: string;
  /** One folder per model. */
  models: string;
}

/** The paths of the files under `home`. */
export function controllerFiles(home: string): ControllerFiles {
  return {
    info: join(home, 'controller.json'),
    token: join(home, 'controller.token'),
    log: join(home, 'controller.log'),
    lock: join(home, 'controller.lock'),
    models: join(home, 'models'),
  };
}
