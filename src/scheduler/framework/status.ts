/**
 * Status: what a plugin answers at an extension point (upstream's framework.Status).
 *
 * - Success: go on.
 * - Unschedulable: this node does not fit now, but preemption (PostFilter) may make it fit.
 * - UnschedulableAndUnresolvable: this node will not fit whatever is preempted; PostFilter skips it.
 * - Error: an internal failure; the cycle aborts and the pod is retried with backoff.
 * - Skip: (PreFilter / PreScore only) the plugin has nothing to say about this pod; its Filter /
 *   Score is not called.
 *
 * Each reason of a non-success status is one entry of the pod's "0/N nodes are available" summary.
 */
export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

export class Status {
  /** The plugin that returned this status (set by the framework). */
  plugin: string;
  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    plugin = '',
  ) {
    this.plugin = plugin;
  }
  isSuccess(): boolean {
    return this.code === 'Success';
  }
  isRejected(): boolean {
    return this.code === 'Unschedulable' || this.code === 'UnschedulableAndUnresolvable';
  }
  /** Reasons joined by ", " (upstream's Status.Message). */
  message(): string {
    return this.reasons.join(', ');
  }
  withPlugin(plugin: string): Status {
    return new Status(this.code, this.reasons, plugin);
  }
}

/** The shared Success status (never mutate). */
export const SUCCESS = new Status('Success');
/** The shared Skip status (never mutate). */
export const SKIP = new Status('Skip');

export const unschedulable = (...reasons: string[]): Status => new Status('Unschedulable', reasons);
export const unresolvable = (...reasons: string[]): Status => new Status('UnschedulableAndUnresolvable', reasons);
export const errorStatus = (message: string): Status => new Status('Error', [message]);
