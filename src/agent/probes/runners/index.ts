/**
 * Runs one ProbeAction (target.ts) with the runner for its handler. The action already carries the
 * address (an address of the pod, checked when it was built); runners connect nowhere else, except
 * the HTTP runner following a redirect to the same host.
 */
import type { RuntimeService } from '../../runtime/cri-types.js';
import type { ProbeAction } from '../target.js';
import { runExecProbe } from './exec.js';
import { runGrpcProbe } from './grpc.js';
import { runHttpProbe } from './http.js';
import type { ProbeRunResult } from './result.js';
import { runTcpProbe } from './tcp.js';

export type { ProbeRunResult } from './result.js';
export { PROBE_USER_AGENT, MAX_PROBE_OUTPUT } from './result.js';
export { runExecProbe, type ExecProbeTarget } from './exec.js';
export { runGrpcProbe, type GrpcProbeTarget } from './grpc.js';
export { runHttpProbe, probeUrl, type HttpProbeTarget } from './http.js';
export { runTcpProbe, type TcpProbeTarget } from './tcp.js';

export interface ProbeRunContext {
  /** The container an exec probe runs in. */
  containerId: string;
  timeoutSeconds: number;
}

/** Runs one probe; never rejects (errors come back as `unknown` with the error's text). */
export type ProbeRunner = (action: ProbeAction, ctx: ProbeRunContext) => Promise<ProbeRunResult>;

export function createProbeRunner(runtime: Pick<RuntimeService, 'execSync'>, opts: { userAgent?: string } = {}): ProbeRunner {
  return async (action, ctx) => {
    const timeoutMs = ctx.timeoutSeconds * 1000;
    try {
      switch (action.type) {
        case 'http':
          return await runHttpProbe({ ...action, timeoutMs, userAgent: opts.userAgent });
        case 'tcp':
          return await runTcpProbe({ host: action.host, port: action.port, timeoutMs });
        case 'grpc':
          return await runGrpcProbe({ host: action.host, port: action.port, service: action.service, timeoutMs, userAgent: opts.userAgent });
        case 'exec':
          return await runExecProbe(runtime, { containerId: ctx.containerId, command: action.command, timeoutSeconds: ctx.timeoutSeconds });
        case 'error':
          return { result: 'unknown', output: action.message };
      }
    } catch (e) {
      return { result: 'unknown', output: e instanceof Error ? e.message : String(e) };
    }
  };
}
