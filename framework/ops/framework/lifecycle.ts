/** Framework-owned events: pre_commit and commit, which can never be deferred. */
import { EventBase, ObjectEvents } from './object.js';

/** Base of events the framework emits itself (collect-status, pre-commit, commit): not deferrable. */
export class LifecycleEvent extends EventBase {
  override defer(): never {
    throw new Error(`${this.constructor.name} cannot be deferred`);
  }
}

export class PreCommitEvent extends LifecycleEvent {}
export class CommitEvent extends LifecycleEvent {}

export class FrameworkEvents extends ObjectEvents {
  readonly preCommit = this.define('pre_commit', PreCommitEvent);
  readonly commit = this.define('commit', CommitEvent);
}
