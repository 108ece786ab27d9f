/**
 * The narrow slice of the controller API client the CLI uses. The real
 * `ApiClient` (controller/api/client.ts) satisfies it; tests pass a fake.
 */
import type { z } from 'zod';
import type {
  MethodName,
  MethodParams,
  MethodResults,
  StreamData,
  StreamName,
  streamParams,
} from '../controller/api/methods.js';

/** Parameters of a stream subscription, as the client sends them. */
export type StreamParams<S extends StreamName> = z.input<(typeof streamParams)[S]>;

/** Ends a subscription. */
export type Unsubscribe = () => void | Promise<void>;

/** What the CLI needs from a connection to the controller. */
export interface CliApi {
  /** One request; rejects with an ApiError `{ code, message }`. */
  call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResults[M]>;
  /**
   * Subscribe to a stream; items follow the subscribe reply, so a replayed history
   * (`log` with `replay` or `lines`) is complete once a later call has replied.
   */
  subscribe<S extends StreamName>(
    stream: S,
    params: StreamParams<S>,
    onData: (data: StreamData[S]) => void,
  ): Promise<Unsubscribe>;
  /** Close the connection. */
  close(): void | Promise<void>;
}

/** Where a running controller listens, and whether this call started it. */
export interface ControllerInfo {
  url: string;
  started: boolean;
}
