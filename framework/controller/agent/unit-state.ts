/** A unit's framework state (StoredState, deferred notices) kept in its store row, saved with the hook's commit. */
import {
  emptyUnitState,
  unitStateProblem,
  type UnitStateData,
  type UnitStateStore,
} from '../../ops/framework/storage.js';

export class BufferedStateStore implements UnitStateStore {
  /** What the dispatch saved at commit; written to the store with the rest of the hook. */
  saved: UnitStateData | undefined;

  constructor(
    private readonly stored: string | null,
    private readonly unit: string,
  ) {}

  load(): UnitStateData {
    if (!this.stored) return emptyUnitState();
    const v: unknown = JSON.parse(this.stored);
    const problem = unitStateProblem(v);
    if (problem) throw new Error(`unit state of ${this.unit} is damaged: ${problem}`);
    return v as UnitStateData;
  }

  save(data: UnitStateData): void {
    this.saved = structuredClone(data);
  }
}
