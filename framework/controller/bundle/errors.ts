/**
 * Bundle problems: each is one line `<file>:<line>:<col>: <path>: <what was expected>`;
 * a load collects them all and throws one BundleError.
 */

/** A bundle that cannot be loaded or deployed; `problems` has one line per problem. */
export class BundleError extends Error {
  override name = 'BundleError';
  constructor(
    title: string,
    readonly problems: string[],
  ) {
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super(`${title} (${count}):\n${problems.join('\n')}`);
  }
}

/** Problems in the order they occur in the sources (file order, then offset). */
export class Problems {
  private readonly items: Array<{ order: number; offset: number; line: string }> = [];
  private readonly seen = new Set<string>();

  /** Records one line (once); `order` ranks its document among all sources, `offset` places it inside. */
  add(order: number, offset: number, line: string): void {
    if (this.seen.has(line)) return;
    this.seen.add(line);
    this.items.push({ order, offset, line });
  }

  /** How many problems were recorded. */
  get count(): number {
    return this.items.length;
  }

  /** Throws a BundleError titled `title` when any problem was recorded. */
  throwIfAny(title: string): void {
    if (this.items.length === 0) return;
    const sorted = [...this.items].sort((x, y) => x.order - y.order || x.offset - y.offset);
    throw new BundleError(
      title,
      sorted.map((i) => i.line),
    );
  }
}
