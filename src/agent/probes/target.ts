/**
 * What one probe run must do, derived from the pod, the container and the probe (pure): the address
 * and request of an httpGet / tcpSocket / grpc probe, or the command of an exec probe. Mirrors
 * upstream's request building (pkg/probe/http/request.go, probe.ResolveContainerPort, the exec
 * command's static $(VAR) expansion) and adds Flotilla's network rule: a probe connects only to an
 * address of the pod itself (its pod IPs; for hostNetwork pods also loopback and the node's IPs).
 * Anything else resolves to an `error` action, which the prober reports as an errored probe.
 */
import type { V1Container, V1Pod, V1Probe } from '../../api/core/v1/pod-types.js';

export interface HttpHeader {
  name: string;
  value: string;
}

export type ProbeAction =
  | { type: 'http'; scheme: 'http' | 'https'; host: string; port: number; path: string; headers: HttpHeader[] }
  | { type: 'tcp'; host: string; port: number }
  | { type: 'grpc'; host: string; port: number; service: string }
  | { type: 'exec'; command: string[] }
  /** The probe cannot run (bad port name, no pod IP yet, forbidden host): an errored probe. */
  | { type: 'error'; message: string };

/** The addresses a probe of this pod may connect to. */
export function allowedProbeHosts(pod: V1Pod): Set<string> {
  const out = new Set<string>();
  const st = pod.status ?? {};
  if (st.podIP) out.add(st.podIP);
  for (const p of st.podIPs ?? []) if (p.ip) out.add(p.ip);
  if (pod.spec?.hostNetwork) {
    for (const h of ['127.0.0.1', '::1', 'localhost']) out.add(h);
    if (st.hostIP) out.add(st.hostIP);
    for (const p of st.hostIPs ?? []) if (p.ip) out.add(p.ip);
  }
  return out;
}

/**
 * Resolves a probe port: a number, a container port's name, or a number written as a string.
 * Returns the port or upstream's error text (`strconv.Atoi: parsing "http": invalid syntax`,
 * `invalid port number: 70000`).
 */
export function resolveContainerPort(port: number | string | undefined, container: V1Container): number | { error: string } {
  let n: number;
  if (typeof port === 'number') n = port;
  else if (typeof port === 'string') {
    const named = (container.ports ?? []).find((p) => p.name === port);
    if (named && typeof named.containerPort === 'number') n = named.containerPort;
    else if (/^[+-]?\d+$/.test(port)) n = Number(port);
    else return { error: `strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax` };
  } else return { error: 'IntOrString had no kind' };
  if (Number.isInteger(n) && n > 0 && n < 65536) return n;
  return { error: `invalid port number: ${n}` };
}

/**
 * Expands `$(NAME)` in an exec probe's command with the container's literal env values (upstream's
 * ExpandContainerCommandOnlyStatic: valueFrom variables are not known here and stay as written;
 * `$$` escapes a `$`).
 */
export function expandStatic(args: string[], container: V1Container): string[] {
  const env = new Map<string, string>();
  for (const e of container.env ?? []) if (e.name && e.valueFrom === undefined) env.set(e.name, e.value ?? '');
  return args.map((arg) => {
    let out = '';
    for (let i = 0; i < arg.length; i++) {
      const c = arg[i]!;
      if (c !== '$' || i + 1 >= arg.length) {
        out += c;
        continue;
      }
      const d = arg[i + 1]!;
      if (d === '$') {
        out += '$';
        i++;
      } else if (d === '(') {
        const end = arg.indexOf(')', i + 2);
        if (end < 0) {
          out += arg.slice(i);
          break;
        }
        const name = arg.slice(i + 2, end);
        out += env.has(name) ? env.get(name)! : `$(${name})`;
        i = end;
      } else out += c;
    }
    return out;
  });
}

/** The action for one run of `probe` on `container` of `pod`. */
export function probeAction(pod: V1Pod, container: V1Container, probe: V1Probe): ProbeAction {
  const allowed = allowedProbeHosts(pod);
  const podIP = pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip ?? '';
  const checkHost = (host: string): string | undefined => {
    if (!host) return 'the pod has no IP address yet';
    if (!allowed.has(host)) return `probe host ${JSON.stringify(host)} is not an address of the pod (probes connect only to the pod itself)`;
    return undefined;
  };
  if (probe.exec) return { type: 'exec', command: expandStatic(probe.exec.command ?? [], container) };
  if (probe.httpGet) {
    const g = probe.httpGet;
    const scheme = (g.scheme ?? 'HTTP').toLowerCase() === 'https' ? 'https' : 'http';
    const host = g.host || podIP;
    const bad = checkHost(host);
    if (bad) return { type: 'error', message: bad };
    const port = resolveContainerPort(g.port, container);
    if (typeof port !== 'number') return { type: 'error', message: port.error };
    const headers = (g.httpHeaders ?? []).filter((h) => h.name).map((h) => ({ name: h.name!, value: h.value ?? '' }));
    return { type: 'http', scheme, host, port, path: g.path ?? '', headers };
  }
  if (probe.tcpSocket) {
    const host = probe.tcpSocket.host || podIP;
    const bad = checkHost(host);
    if (bad) return { type: 'error', message: bad };
    const port = resolveContainerPort(probe.tcpSocket.port, container);
    if (typeof port !== 'number') return { type: 'error', message: port.error };
    return { type: 'tcp', host, port };
  }
  if (probe.grpc) {
    const bad = checkHost(podIP);
    if (bad) return { type: 'error', message: bad };
    const port = resolveContainerPort(probe.grpc.port, container);
    if (typeof port !== 'number') return { type: 'error', message: port.error };
    return { type: 'grpc', host: podIP, port, service: probe.grpc.service ?? '' };
  }
  return { type: 'error', message: `missing probe handler for ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}:${container.name ?? ''}` };
}
