/**
 * exec probes (upstream pkg/probe/exec and the CRI client's ExecSync): the command runs in the
 * container through RuntimeService.execSync. Exit 0 is success, any other exit a failure; either way
 * the output is stdout followed by stderr, at most 10 KiB. A DEADLINE_EXCEEDED from the runtime is a
 * failure `command "<cmd>" timed out` (exec timeouts count since Kubernetes 1.20); any other runtime
 * error is an errored probe (`unknown`, with gRPC's `rpc error: code = ... desc = ...` text).
 */
import type { RuntimeService } from '../../runtime/cri-types.js';
import { isCriError, type CriErrorCode } from '../../runtime/cri-errors.js';
import { MAX_PROBE_OUTPUT, type ProbeRunResult } from './result.js';

export interface ExecProbeTarget {
  containerId: string;
  command: string[];
  timeoutSeconds: number;
}

const GO_CODE: Record<CriErrorCode, string> = {
  NOT_FOUND: 'NotFound',
  ALREADY_EXISTS: 'AlreadyExists',
  INVALID_ARGUMENT: 'InvalidArgument',
  DEADLINE_EXCEEDED: 'DeadlineExceeded',
  UNAVAILABLE: 'Unavailable',
  UNIMPLEMENTED: 'Unimplemented',
  FAILED_PRECONDITION: 'FailedPrecondition',
  UNKNOWN: 'Unknown',
};

/** Extra time granted to the runtime past the probe's own timeout before we stop waiting for it. */
const RUNTIME_GRACE_MS = 5000;

export async function runExecProbe(runtime: Pick<RuntimeService, 'execSync'>, t: ExecProbeTarget): Promise<ProbeRunResult> {
  const timedOut: ProbeRunResult = { result: 'failure', output: `command ${JSON.stringify(t.command.join(' '))} timed out` };
  let guard: NodeJS.Timeout | undefined;
  try {
    const res = await Promise.race([
      runtime.execSync(t.containerId, t.command, t.timeoutSeconds),
      new Promise<'guard'>((resolve) => {
        guard = setTimeout(() => resolve('guard'), t.timeoutSeconds * 1000 + RUNTIME_GRACE_MS);
      }),
    ]);
    if (res === 'guard') return timedOut;
    const out = Buffer.concat([res.stdout ?? Buffer.alloc(0), res.stderr ?? Buffer.alloc(0)]).subarray(0, MAX_PROBE_OUTPUT).toString('utf8');
    return { result: res.exitCode === 0 ? 'success' : 'failure', output: out };
  } catch (e) {
    if (isCriError(e, 'DEADLINE_EXCEEDED')) return timedOut;
    if (isCriError(e)) return { result: 'unknown', output: `rpc error: code = ${GO_CODE[e.code]} desc = ${e.message}` };
    return { result: 'unknown', output: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(guard);
  }
}
