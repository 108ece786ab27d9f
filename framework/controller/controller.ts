/**
 * The controller: every model under `<home>/models/`, opened on demand, with their
 * agents running in this process. The API handlers (controller-handlers.ts) call it.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelInfo } from './api/methods.js';
import { ApiError } from './api/protocol.js';
import { ModelController } from './model-controller.js';
import { peekModelKey } from './store/db.js';
import { netnsUnavailable } from '../substrates/netns/requirements.js';

const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class Controller {
  private readonly models = new Map<string, ModelController>();
  private readonly listeners = new Set<(model: string) => void>();

  constructor(readonly home: string) {
    mkdirSync(this.modelsDir, { recursive: true, mode: 0o700 });
  }

  get modelsDir(): string {
    return join(this.home, 'models');
  }

  /** Called with a model's name whenever something in it changed. */
  onChange(listener: (model: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(model: string): void {
    for (const l of this.listeners) l(model);
  }

  list(): ModelInfo[] {
    return readdirSync(this.modelsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(this.modelsDir, d.name, 'model.db')))
      .map((d) => {
        const mc = this.model(d.name);
        return this.info(d.name, mc);
      });
  }

  /** What `tsops models` shows of a model. */
  info(name: string, mc: ModelController): ModelInfo {
    return {
      name,
      uuid: mc.store.getKey('uuid') ?? '',
      substrate: mc.store.getKey('substrate') ?? 'sandbox',
      isolation: mc.store.getKey('isolation') === 'process' ? 'process' : 'in-process',
      current: false,
    };
  }

  exists(name: string): boolean {
    return existsSync(join(this.modelsDir, name, 'model.db'));
  }

  /** Create a model on `sandbox` (simulated machines) or `netns` (namespaces with real daemons; root only). */
  add(name: string, substrate: string, isolation: 'in-process' | 'process' = 'in-process'): ModelController {
    if (!MODEL_NAME.test(name))
      throw new ApiError(
        'bad-request',
        `invalid model name '${name}': lowercase letters, digits and hyphens`,
      );
    if (this.exists(name)) throw new ApiError('conflict', `model '${name}' already exists`);
    if (substrate === 'netns') {
      const why = netnsUnavailable();
      if (why !== null) throw new ApiError('bad-request', why);
    } else if (substrate !== 'sandbox') {
      throw new ApiError('bad-request', `unknown substrate '${substrate}': use sandbox or netns`);
    }
    const mc = this.model(name, true, isolation, substrate);
    mc.store.setKey('isolation', isolation);
    return mc;
  }

  /** An existing model (opened on first use), or, with `create`, a new one. */
  model(
    name: string,
    create = false,
    isolation?: 'in-process' | 'process',
    substrate?: 'sandbox' | 'netns',
  ): ModelController {
    let mc = this.models.get(name);
    if (mc) return mc;
    if (!create && !this.exists(name))
      throw new ApiError('not-found', `unknown model '${name}': see 'tsops models'`);
    const db = join(this.modelsDir, name, 'model.db');
    // How hooks run is fixed when the model is made; the store says which.
    const mode =
      isolation ??
      (this.exists(name) && peekModelKey(db, 'isolation') === 'process' ? 'process' : 'in-process');
    mc = ModelController.open(name, join(this.modelsDir, name), {
      onChange: () => this.changed(name),
      isolation: mode,
      substrate,
    });
    this.models.set(name, mc);
    return mc;
  }

  /** Stop a model's agents and delete everything it made. */
  async destroy(name: string): Promise<void> {
    const mc = this.model(name);
    this.models.delete(name);
    await mc.destroy();
    rmSync(join(this.modelsDir, name), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    for (const mc of this.models.values()) mc.close();
    this.models.clear();
  }
}
