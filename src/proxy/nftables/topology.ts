/**
 * Topology-aware endpoint choice for cluster-policy traffic (pure), as kube-proxy's
 * CategorizeEndpoints / topologyModeFromHints (kubernetes/kubernetes pkg/proxy/topology.go).
 *
 * The proxy does not read `spec.trafficDistribution` or the topology-mode annotation itself: the
 * EndpointSlice controller turns them into hints (`PreferClose`/`PreferSameZone` → `forZones`,
 * `PreferSameNode` → `forNodes` too, topology-mode Auto → zone hints by CPU share), and the proxy
 * honours hints wherever they come from:
 *
 * - every ready endpoint has a node hint and one of them names this node → only the endpoints
 *   hinted for this node (`PreferSameNode`);
 * - otherwise every ready endpoint has a zone hint and one of them names this node's zone (the
 *   Node's `topology.kubernetes.io/zone` label) → only those (`PreferSameZone`);
 * - otherwise (a hint missing, no hint for us, node without a zone) → no filtering.
 *
 * Only ready endpoints are filtered; when none is left (no ready endpoint anywhere) the
 * serving-and-terminating ones are used, unfiltered, as upstream. Local traffic policy is not
 * affected (it already keeps this node's endpoints only).
 */

/** What topology filtering reads of an endpoint. */
export interface TopologyEndpoint {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** `hints.forZones[].name`; empty or absent = no zone hint. */
  zoneHints?: readonly string[];
  /** `hints.forNodes[].name`; empty or absent = no node hint. */
  nodeHints?: readonly string[];
}

export type TopologyMode = '' | 'PreferSameNode' | 'PreferSameZone';

/** The node's topology facts. */
export interface NodeTopology {
  nodeName: string;
  /** The Node's topology.kubernetes.io/zone label ('' or undefined: none). */
  zone?: string | undefined;
}

/** Which hints apply for this node ('' = none: use every ready endpoint). */
export function topologyMode(eps: readonly TopologyEndpoint[], node: NodeTopology): TopologyMode {
  let anyReady = false;
  let allNode = true;
  let forNode = false;
  let allZone = true;
  let forZone = false;
  const zone = node.zone ?? '';
  for (const e of eps) {
    if (!e.ready) continue;
    anyReady = true;
    if (!e.nodeHints || e.nodeHints.length === 0) allNode = false;
    else if (e.nodeHints.includes(node.nodeName)) forNode = true;
    if (!e.zoneHints || e.zoneHints.length === 0) allZone = false;
    else if (zone !== '' && e.zoneHints.includes(zone)) forZone = true;
  }
  if (!anyReady) return '';
  if (allNode && forNode) return 'PreferSameNode';
  if (allZone && forZone) return 'PreferSameZone';
  return '';
}

/**
 * The endpoints cluster-policy traffic from this node may use: the ready ones the hints give this
 * node (all ready ones without applicable hints); when there is no ready endpoint at all, the
 * serving-and-terminating ones.
 */
export function clusterEndpoints<T extends TopologyEndpoint>(eps: readonly T[], node: NodeTopology): T[] {
  const mode = topologyMode(eps, node);
  const zone = node.zone ?? '';
  const ok = (e: T) =>
    e.ready && (mode === '' || (mode === 'PreferSameNode' ? (e.nodeHints ?? []).includes(node.nodeName) : (e.zoneHints ?? []).includes(zone)));
  const out = eps.filter(ok);
  if (out.length > 0) return out;
  return eps.filter((e) => e.serving && e.terminating);
}
