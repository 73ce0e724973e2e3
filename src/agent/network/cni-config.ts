/**
 * The node's CNI network as data: the bridge conflist containerd's CRI plugin runs for every pod
 * sandbox, and the address arithmetic around it (gateway of a podCIDR, validation of CIDRs and
 * interface names). Pure: no I/O, no clock. CIDR parsing is the project's one implementation
 * (cli/net.ts, Go net semantics); nothing here re-parses addresses.
 */
import { type Cidr, cidrsOverlap, formatCidr, formatIp, hostBits, nthAddress, parseCidr } from '../../lib/net.js';

/**
 * CNI spec version of the conflist. 0.4.0 is the newest version both containerd 1.6's libcni and
 * Debian's plugins 1.1.1 speak that still carries the `CHECK` verb and cached `prevResult` on DEL
 * (both also speak 1.0.0; 0.4.0 is what k3s and the upstream examples used with these versions).
 */
export const CNI_VERSION = '0.4.0';

/** Name of the conflist file in the CNI conf dir (containerd loads the first file in name order). */
export const CONFLIST_FILE = '10-flotilla.conflist';

/** Default network name (also the host-local IPAM's per-network subfolder and portmap's chain key). */
export const DEFAULT_NETWORK_NAME = 'flotilla';

/** Default bridge name: at most 15 characters, as every Linux interface name. */
export const DEFAULT_BRIDGE = 'flotilla0';

/** Linux's IFNAMSIZ is 16 including the terminating NUL. */
export const MAX_INTERFACE_NAME = 15;

export interface BridgeConflistOptions {
  /** The CNI network name (`name` of the conflist). */
  networkName: string;
  /** The Linux bridge the pods' veths join; it carries the podCIDR's gateway address. */
  bridge: string;
  /** The node's spec.podCIDR, e.g. `10.42.3.0/24`. */
  podCIDR: string;
  /** host-local IPAM's state dir (one file per allocated IP); under the agent's data dir. */
  ipamDataDir: string;
  /** MTU of the pods' interfaces and the bridge; omitted means the kernel's default (1500). */
  mtu?: number;
  /** Hairpin mode on the bridge ports, so a pod reaches itself through a Service. Default true. */
  hairpin?: boolean;
  /** Chain the portmap plugin for hostPort. Default true. */
  portmap?: boolean;
}

/** One plugin entry of a conflist (the fields the plugins read; extra keys pass through). */
export interface CniPluginConf {
  type: string;
  [key: string]: unknown;
}

export interface CniConflist {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
}

/**
 * The conflist for a node: bridge (the node is the pods' gateway; no masquerade here — the service
 * proxy's own nftables table does it, and nothing may leave the machine anyway), host-local IPAM
 * over the whole podCIDR with the gateway excluded and a default route through it, and portmap for
 * hostPort. Throws on an invalid podCIDR or bridge name: callers validate input first
 * (`validatePodCIDR`, `validateInterfaceName`), so a throw here is a programming error.
 */
export function bridgeConflist(opts: BridgeConflistOptions): CniConflist {
  const nameProblem = validateInterfaceName(opts.bridge);
  if (nameProblem) throw new Error(nameProblem);
  const pod = validatePodCIDR(opts.podCIDR);
  if (typeof pod === 'string') throw new Error(pod);
  if (opts.mtu !== undefined && !(Number.isInteger(opts.mtu) && opts.mtu >= 576 && opts.mtu <= 65535)) {
    throw new Error(`invalid MTU ${opts.mtu}: want an integer in 576..65535`);
  }
  const bridge: CniPluginConf = {
    type: 'bridge',
    bridge: opts.bridge,
    isGateway: true,
    ipMasq: false,
    hairpinMode: opts.hairpin ?? true,
    ...(opts.mtu !== undefined ? { mtu: opts.mtu } : {}),
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: formatCidr(pod), gateway: gatewayOf(pod) }]],
      routes: [{ dst: pod.family === 4 ? '0.0.0.0/0' : '::/0' }],
      dataDir: opts.ipamDataDir,
    },
  };
  const plugins: CniPluginConf[] = [bridge];
  if (opts.portmap ?? true) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
  return { cniVersion: CNI_VERSION, name: opts.networkName, plugins };
}

/** Undefined when `name` is a usable Linux interface name, else why not. */
export function validateInterfaceName(name: string): string | undefined {
  if (name.length === 0) return 'interface name is empty';
  if (name.length > MAX_INTERFACE_NAME) return `interface name ${JSON.stringify(name)} is longer than ${MAX_INTERFACE_NAME} characters`;
  if (name === '.' || name === '..' || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    return `interface name ${JSON.stringify(name)} may contain only letters, digits, '_', '.' and '-' (and is not '.' or '..')`;
  }
  return undefined;
}

/** Undefined when `name` is a usable CNI network name (libcni's rule: letters, digits, `_.-`). */
export function validateNetworkName(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) return `network name ${JSON.stringify(name)} must be letters, digits, '_', '.', '-', starting alphanumeric`;
  return undefined;
}

/**
 * A cluster or service CIDR as given: the parsed range, or why it is unusable. The text must be in
 * canonical form (no host bits set), so that routes we add and later delete match the kernel's.
 */
export function validateCIDR(text: string): Cidr | string {
  const c = parseCidr(text);
  if (!c) return `invalid CIDR ${JSON.stringify(text)}`;
  if (formatCidr(c) !== text) return `CIDR ${JSON.stringify(text)} has host bits set or is not canonical (want ${formatCidr(c)})`;
  if (c.prefix === 0) return `CIDR ${text} covers the whole address family`;
  return c;
}

/** A podCIDR as `validateCIDR`, and with room for the gateway and at least one pod. */
export function validatePodCIDR(text: string): Cidr | string {
  const c = validateCIDR(text);
  if (typeof c === 'string') return c;
  if (hostBits(c) < 2) return `pod CIDR ${text} is too small: it needs a gateway and at least one pod address`;
  return c;
}

/** The gateway (first host address) of a parsed range, as text. */
export function gatewayOf(c: Cidr): string {
  return formatIp(nthAddress(c, 1)!);
}

/** The gateway (first host address) of a podCIDR: `10.42.3.0/24` → `10.42.3.1`. Throws when invalid. */
export function gatewayAddress(podCIDR: string): string {
  const c = validatePodCIDR(podCIDR);
  if (typeof c === 'string') throw new Error(c);
  return gatewayOf(c);
}

/** True when the two CIDR texts share an address; false when either does not parse. */
export function cidrTextsOverlap(a: string, b: string): boolean {
  const ca = parseCidr(a);
  const cb = parseCidr(b);
  return !!ca && !!cb && cidrsOverlap(ca, cb);
}

/**
 * An address inside `cidr` to ask the kernel's routing about (`ip route get`): the last usable one,
 * which an allocator hands out last, so it is normally unassigned.
 */
export function probeAddress(cidr: Cidr): string {
  const bits = hostBits(cidr);
  const last = bits >= 2 ? (1n << BigInt(bits)) - 2n : 0n;
  return formatIp({ family: cidr.family, value: cidr.base + last });
}
