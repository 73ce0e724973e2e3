/**
 * Lifecycle hooks (postStart, preStop) as the kubelet runs them: `exec` inside the container
 * through the runtime, `httpGet` against the pod (its IP unless `host` is set), `sleep` for the
 * given seconds. Resolves with '' on success, else upstream's failure message (it becomes the
 * FailedPostStartHook / FailedPreStopHook event). Never rejects.
 */
import type { V1Container, V1Pod } from '../../api/core/v1/index.js';
import type { RuntimeService } from '../runtime/cri-types.js';
import { formatPod } from '../pods/index.js';
import type { HookRunner } from './pod-sync.js';

interface HookHandler {
  exec?: { command?: string[] };
  httpGet?: { host?: string; port?: number | string; path?: string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
  sleep?: { seconds?: number };
}

function namedPort(container: V1Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export function createHookRunner(runtime: Pick<RuntimeService, 'execSync'>, podIP: (pod: V1Pod) => string | undefined): HookRunner {
  return async (pod, container, containerId, hook, timeoutSeconds) => {
    const handler = (container.lifecycle as Record<string, HookHandler | undefined> | undefined)?.[hook];
    if (!handler) return '';
    const where = `for Container "${container.name}" in Pod "${formatPod(pod)}"`;
    if (handler.exec) {
      const cmd = handler.exec.command ?? [];
      try {
        const r = await runtime.execSync(containerId, cmd, timeoutSeconds);
        if (r.exitCode === 0) return '';
        const out = Buffer.concat([r.stdout, r.stderr]).toString('utf8');
        return `Exec lifecycle hook ([${cmd.join(' ')}]) ${where} failed - error: command '${cmd.join(' ')}' exited with ${r.exitCode}: ${out}, message: ${JSON.stringify(out)}`;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        return `Exec lifecycle hook ([${cmd.join(' ')}]) ${where} failed - error: ${msg}, message: ""`;
      }
    }
    if (handler.httpGet) {
      const h = handler.httpGet;
      const host = h.host || podIP(pod) || '';
      const port = namedPort(container, h.port) ?? 80;
      const path = h.path ?? '/';
      const url = `${(h.scheme ?? 'HTTP').toLowerCase()}://${host.includes(':') ? `[${host}]` : host}:${port}${path.startsWith('/') ? path : `/${path}`}`;
      try {
        const res = await fetch(url, {
          headers: Object.fromEntries((h.httpHeaders ?? []).map((x) => [x.name, x.value])),
          signal: AbortSignal.timeout(timeoutSeconds * 1000),
        });
        await res.arrayBuffer();
        if (res.status >= 400) return `HTTP lifecycle hook (${path}) ${where} failed - error: HTTP lifecycle hook (${path}) for Container "${container.name}" returned status ${res.status}, message: ""`;
        return '';
      } catch (e) {
        const msg = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
        return `HTTP lifecycle hook (${path}) ${where} failed - error: ${msg}, message: ""`;
      }
    }
    if (handler.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(timeoutSeconds, handler.sleep!.seconds ?? 0) * 1000));
      return '';
    }
    return '';
  };
}
