/**
 * A Handle names an object or an event by its place in the object tree, the way
 * ops does: `DemoCharm`, `DemoCharm/on/config_changed[7]`, `DemoCharm/StoredStateData[stored]`.
 * Paths are what persist across dispatches, so they must be stable.
 */
export class Handle {
  readonly path: string;

  constructor(
    readonly parent: Handle | null,
    readonly kind: string,
    readonly key: string | null,
  ) {
    const own = key === null ? kind : `${kind}[${key}]`;
    this.path = parent ? `${parent.path}/${own}` : own;
  }

  /** A child handle: `handle.nest('on', null)`, `on.nest('install', '3')`. */
  nest(kind: string, key: string | null): Handle {
    return new Handle(this, kind, key);
  }

  /** Rebuild a handle from its path (`A/on/x[1]`). */
  static fromPath(path: string): Handle {
    let h: Handle | null = null;
    for (const segment of path.split('/')) {
      const m = /^([^[\]]+)(?:\[(.*)\])?$/.exec(segment);
      if (!m || m[1] === undefined) throw new Error(`bad handle path '${path}' at segment '${segment}'`);
      h = new Handle(h, m[1], m[2] ?? null);
    }
    if (!h) throw new Error('empty handle path');
    return h;
  }

  toString(): string {
    return this.path;
  }
}
