/**
 * Which names the API server's serving certificate must cover, as upstream kube-apiserver and k3s
 * choose them: loopback names, the machine's hostname, every operator-given `--tls-san`, the
 * in-cluster service names of the `kubernetes` Service and its ClusterIP (first address of each
 * service subnet), and the bind address when it is a specific one.
 */
import type { SubjectAltNames } from './pki.js';
import { canonicalSanIp, normalizeSans } from './pki.js';

export interface ServingSanInput {
  /** The machine's hostname (os.hostname()). */
  hostname: string;
  /** Operator-given names: IP literals become IP SANs, everything else DNS SANs. */
  extraSans: string[];
  /** The `kubernetes` Service ClusterIP(s): the first address of each service subnet. */
  serviceIps: string[];
  /** e.g. `cluster.local`. */
  clusterDomain: string;
  /** Added when it is a specific address (not 0.0.0.0 / ::). */
  bindAddress?: string;
}

export function servingSans(input: ServingSanInput): SubjectAltNames {
  const dnsNames = [
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${input.clusterDomain}`,
  ];
  const ipAddresses = ['127.0.0.1', '::1', ...input.serviceIps];
  if (input.hostname) dnsNames.push(input.hostname);
  const add = (name: string) => {
    const ip = canonicalSanIp(name);
    if (ip !== undefined) ipAddresses.push(ip);
    else if (name) dnsNames.push(name);
  };
  for (const san of input.extraSans) add(san);
  if (input.bindAddress && input.bindAddress !== '0.0.0.0' && input.bindAddress !== '::') add(input.bindAddress);
  return normalizeSans({ dnsNames, ipAddresses });
}
