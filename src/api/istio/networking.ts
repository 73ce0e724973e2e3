/**
 * networking.istio.io: Gateway, VirtualService, DestinationRule, ServiceEntry — the schemas of
 * Istio's CRDs (istio/api networking/v1beta1, the same for v1alpha3 and v1), written with our
 * schema builders. Durations are strings ("5s"), as in the CRDs.
 *
 * Seed-only fields (accepted, stored, answered with a Warning; see ../seed-groups/seed-fields.ts):
 * DestinationRule `trafficPolicy.circuitBreaker` (Istio: `outlierDetection`), outlier settings
 * under `trafficPolicy.connectionPool.http` (Istio: `outlierDetection.*`), and `spec.portLevelSettings`
 * (Istio: `spec.trafficPolicy.portLevelSettings`).
 */
import { s, type Schema } from '../schema/index.js';

/** An unsigned 32-bit integer, as Istio's CRDs declare uint32 fields. */
const uint32 = (description: string, opts: Partial<Schema> = {}): Schema => ({ type: 'integer', description, maximum: 4294967295, minimum: 0, ...opts });
const i32 = (description: string): Schema => s.int32({ description });
const i64 = (description: string): Schema => s.int64({ description });
const duration = (description: string): Schema => s.string({ description });
const strings = (description: string): Schema => s.array(s.string(), { description });
const labels = (description: string): Schema => s.map(s.string(), { description });

export const StringMatch = s.object(
  {
    exact: s.string({ description: 'The whole string equals this value.' }),
    prefix: s.string({ description: 'The string starts with this value.' }),
    regex: s.string({ description: 'A regular expression in RE2 syntax.' }),
  },
  { description: 'A test on a string; set one of exact, prefix or regex.' },
);

export const PortSelector = s.object(
  { number: uint32('The port number.') },
  { description: 'Which port of the destination service to use.' },
);

export const Destination = s.object(
  {
    host: s.string({ description: 'The service to send to, as a host name known to the mesh (short names resolve in the rule\'s namespace).' }),
    port: PortSelector,
    subset: s.string({ description: 'A subset of the service named in its DestinationRule.' }),
  },
  { required: ['host'], description: 'Where traffic goes: a service, optionally one port and one subset of it.' },
);

const HeaderOperations = s.object({
  add: labels('Headers to add, appending to any existing value.'),
  remove: strings('Names of headers to drop.'),
  set: labels('Headers to set, replacing any existing value.'),
});
const Headers = s.object({ request: HeaderOperations, response: HeaderOperations }, { description: 'Changes made to request and response headers.' });

const Percent = s.object({ value: s.number({ description: 'A number from 0 to 100.' }) }, { description: 'A share of requests, as a percentage.' });

// ---------------------------------------------------------------- Gateway

export const ServerTLSSettings = s.object(
  {
    httpsRedirect: s.bool({ description: 'Answer plain-HTTP requests with a 301 redirect to HTTPS.' }),
    mode: s.enumOf(['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'], { description: 'How TLS is handled on this port: terminated (SIMPLE, MUTUAL...), passed through, or Istio mutual TLS.' }),
    serverCertificate: s.string({ description: 'File path of the server certificate (needed for SIMPLE and MUTUAL unless credentialName is set).' }),
    privateKey: s.string({ description: 'File path of the server private key (needed for SIMPLE and MUTUAL unless credentialName is set).' }),
    caCertificates: s.string({ description: 'File path of the CA certificates that client certificates are checked against (MUTUAL, OPTIONAL_MUTUAL).' }),
    caCrl: s.string({ description: 'File path of a revocation list applied to client certificates.' }),
    credentialName: s.string({ description: 'A Secret holding the certificate, key and optionally CA certificates, used instead of file paths.' }),
    credentialNames: s.array(s.string(), { description: 'Up to two such Secrets, e.g. one RSA and one ECDSA certificate.', maxItems: 2, minItems: 1 }),
    subjectAltNames: strings('Subject alternative names a client certificate must carry.'),
    verifyCertificateSpki: strings('Accepted client certificates, as base64 SHA-256 hashes of their public key info.'),
    verifyCertificateHash: strings('Accepted client certificates, as hex SHA-256 hashes of the whole certificate.'),
    minProtocolVersion: s.enumOf(['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'], { description: 'Lowest TLS version accepted.' }),
    maxProtocolVersion: s.enumOf(['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'], { description: 'Highest TLS version accepted.' }),
    cipherSuites: strings('Cipher suites to allow; the proxy\'s defaults when empty.'),
  },
  { description: 'TLS settings for connections this server accepts.' },
);

export const Server = s.object(
  {
    port: s.object(
      {
        number: uint32('The port number.'),
        protocol: s.string({ description: 'Protocol spoken on the port, such as HTTP, HTTPS, GRPC, HTTP2, TCP or TLS.' }),
        name: s.string({ description: 'A name for the port.' }),
        targetPort: uint32('Port the traffic is delivered to on the endpoint, when it differs from number.'),
      },
      { required: ['number', 'protocol', 'name'], description: 'The port the gateway proxy listens on, and its protocol.' },
    ),
    bind: s.string({ description: 'Address or Unix socket the listener binds to, instead of all addresses.' }),
    hosts: strings('Host names served on this port, optionally as namespace/host.'),
    tls: ServerTLSSettings,
    defaultEndpoint: s.string({ description: 'Loopback address or Unix socket traffic is sent to when no route applies.' }),
    name: s.string({ description: 'A name for this server, unique within the gateway.' }),
  },
  { required: ['port', 'hosts'] },
);

export const GatewaySpec = s.object(
  {
    servers: s.array(Server, { description: 'The listeners of the gateway: port, hosts and TLS each.' }),
    selector: labels('Labels of the gateway proxy pods that take this configuration.'),
  },
  { description: 'The listeners a gateway proxy opens and which hosts it serves on them.' },
);

// ---------------------------------------------------------------- VirtualService

const HTTPMatchRequest = s.object({
  name: s.string({ description: 'A name for this match, joined to the route name in logs.' }),
  uri: StringMatch,
  scheme: StringMatch,
  method: StringMatch,
  authority: StringMatch,
  headers: s.map(StringMatch, { description: 'Request headers to test, by lowercase name.' }),
  port: uint32('Matches only requests to this port.'),
  sourceLabels: labels('Matches only requests from workloads carrying these labels.'),
  gateways: strings('Gateways this match is limited to, overriding the rule\'s gateways.'),
  queryParams: s.map(StringMatch, { description: 'Query parameters to test.' }),
  ignoreUriCase: s.bool({ description: 'Compare the URI without regard to case.' }),
  withoutHeaders: s.map(StringMatch, { description: 'Headers that must not match, written as in headers.' }),
  sourceNamespace: s.string({ description: 'Matches only traffic from workloads in this namespace.' }),
  statPrefix: s.string({ description: 'Prefix for the statistics emitted for this route.' }),
});

const HTTPRouteDestination = s.object(
  {
    destination: Destination,
    weight: s.int32({ description: 'Share of the traffic sent to this destination, relative to the others of the rule.' }),
    headers: Headers,
  },
  { required: ['destination'] },
);

const RouteDestination = s.object(
  { destination: Destination, weight: s.int32({ description: 'Share of the traffic sent to this destination, relative to the others of the rule.' }) },
  { required: ['destination'] },
);

const HTTPRoute = s.object({
  name: s.string({ description: 'A name for the route, shown in logs.' }),
  match: s.array(HTTPMatchRequest, { description: 'Conditions for the rule to apply; any one entry may match.' }),
  route: s.array(HTTPRouteDestination, { description: 'Destinations matching requests are forwarded to, split by weight.' }),
  redirect: s.object({
    uri: s.string({ description: 'Path of the redirect target.' }),
    authority: s.string({ description: 'Host of the redirect target.' }),
    port: uint32('Port of the redirect target.'),
    derivePort: s.enumOf(['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'], { description: 'Take the redirect port from the request, or use the scheme\'s default port.' }),
    scheme: s.string({ description: 'Scheme of the redirect target, e.g. https.' }),
    redirectCode: uint32('Status code of the redirect (301 when unset).'),
  }, { description: 'Answer matching requests with a redirect instead of forwarding them.' }),
  directResponse: s.object({
    status: uint32('Status code of the answer.'),
    body: s.object({ string: s.string({ description: 'The body as text.' }), bytes: s.bytes({ description: 'The body as bytes, base64 in JSON.' }) }, { description: 'Body of the answer.' }),
  }, { required: ['status'], description: 'Answer matching requests directly from the proxy instead of forwarding them.' }),
  delegate: s.object({ name: s.string({ description: 'Name of the VirtualService routing is handed to.' }), namespace: s.string({ description: 'Its namespace (this one when unset).' }) }, { description: 'Hand routing of matching requests to another VirtualService.' }),
  rewrite: s.object({
    uri: s.string({ description: 'New path, or new prefix when a prefix matched.' }),
    authority: s.string({ description: 'New Host/authority header.' }),
    uriRegexRewrite: s.object({ match: s.string({ description: 'A regular expression in RE2 syntax.' }), rewrite: s.string({ description: 'Replacement for the parts of the path that match.' }) }, { description: 'Rewrite the path by regular-expression substitution.' }),
  }, { description: 'Changes to the path and host made before forwarding.' }),
  timeout: duration('How long a request may take in all; no limit when unset.'),
  retries: s.object({
    attempts: s.int32({ description: 'How many times a failed request is retried.' }),
    perTryTimeout: duration('Time limit for each attempt, the first included.'),
    retryOn: s.string({ description: 'Comma-separated failure kinds that trigger a retry, e.g. 5xx,connect-failure.' }),
    retryRemoteLocalities: s.bool({ description: 'Allow retries to go to endpoints in other localities.' }),
    retryIgnorePreviousHosts: s.bool({ description: 'Prefer endpoints not tried yet when retrying.' }),
    backoff: duration('Shortest wait between attempts.'),
  }, { description: 'When and how often failed requests are retried.' }),
  fault: s.object({
    delay: s.object({
      percent: s.int32({ description: 'Share of requests delayed, 0 to 100 (older form of percentage).' }),
      fixedDelay: duration('How long requests are held back.'),
      exponentialDelay: duration('Growing delay; not implemented by Istio.'),
      percentage: Percent,
    }, { description: 'Hold some requests back before forwarding them, to test how callers cope with a slow service.' }),
    abort: s.object({
      httpStatus: s.int32({ description: 'HTTP status returned to the caller.' }),
      grpcStatus: s.string({ description: 'gRPC status returned to the caller.' }),
      http2Error: s.string(),
      percentage: Percent,
    }, { description: 'Fail some requests with an error, to test how callers cope with a failing service.' }),
  }, { description: 'Artificial delays and errors injected into matching requests.' }),
  mirror: s.object({ host: s.string({ description: 'The service to send to, as a host name known to the mesh (short names resolve in the rule\'s namespace).' }), port: PortSelector, subset: s.string({ description: 'A subset of the service named in its DestinationRule.' }) }, { required: ['host'], description: 'Also send a copy of each request here; answers from the copy are discarded.' }),
  mirrors: s.array(s.object({ destination: Destination, percentage: Percent }, { required: ['destination'] }), { description: 'Destinations that receive copies of requests, each with its own share.' }),
  mirrorPercent: uint32('Share of requests copied to mirror, 0 to 100 (older form of mirrorPercentage).'),
  mirrorPercentage: Percent,
  mirror_percent: uint32('Share of requests copied to mirror, 0 to 100 (older form of mirrorPercentage).'),
  corsPolicy: s.object({
    allowOrigin: strings('Allowed origins, exact strings (older form of allowOrigins).'),
    allowOrigins: s.array(StringMatch, { description: 'Origins allowed to make cross-origin requests.' }),
    allowMethods: strings('Methods cross-origin requests may use.'),
    allowHeaders: strings('Request headers cross-origin requests may send.'),
    exposeHeaders: strings('Response headers browsers may show to the calling script.'),
    maxAge: duration('How long browsers may cache a preflight answer.'),
    allowCredentials: s.bool({ description: 'Allow cross-origin requests that carry credentials.' }),
    unmatchedPreflights: s.enumOf(['UNSPECIFIED', 'FORWARD', 'IGNORE'], { description: 'What to do with preflight requests from origins not allowed: forward them to the service, or answer them at the proxy.' }),
  }, { description: 'Cross-origin (CORS) rules the proxy enforces for browsers.' }),
  headers: Headers,
});

const L4MatchAttributes = {
  destinationSubnets: strings('Destination addresses or CIDR ranges to match.'),
  port: uint32('Matches only connections to this port.'),
  sourceLabels: labels('Matches only connections from workloads carrying these labels.'),
  gateways: strings('Gateways this match is limited to, overriding the rule\'s gateways.'),
  sourceNamespace: s.string({ description: 'Matches only traffic from workloads in this namespace.' }),
};

export const VirtualServiceSpec = s.object(
  {
    hosts: strings('Host names (or service names, IPs) whose traffic these rules route.'),
    gateways: strings('Gateways that apply these rules, as [namespace/]name; mesh means the sidecars (the default).'),
    http: s.array(HTTPRoute, { description: 'Rules for HTTP traffic, tried in order; the first that matches is used.' }),
    tls: s.array(s.object({
      match: s.array(s.object({ sniHosts: strings('Server names from the TLS handshake (SNI) to match.'), ...L4MatchAttributes }, { required: ['sniHosts'] }), { description: 'Conditions for the rule to apply; any one entry may match.' }),
      route: s.array(RouteDestination, { description: 'Destinations matching connections are forwarded to, split by weight.' }),
    }, { required: ['match'] }), { description: 'Rules for TLS traffic that passes through unterminated, routed by SNI, tried in order.' }),
    tcp: s.array(s.object({
      match: s.array(s.object({ ...L4MatchAttributes, sourceSubnet: s.string() }), { description: 'Conditions for the rule to apply; any one entry may match.' }),
      route: s.array(RouteDestination, { description: 'Destinations matching connections are forwarded to, split by weight.' }),
    }), { description: 'Rules for other TCP traffic, tried in order.' }),
    exportTo: strings('Namespaces that can see this VirtualService (. for this one, * for all).'),
  },
  { description: 'How requests to the listed hosts are matched and routed.' },
);

// ---------------------------------------------------------------- DestinationRule

const OutlierDetectionFields = {
  splitExternalLocalOriginErrors: s.bool({ description: 'Count failures seen by the proxy itself (connect errors, timeouts) apart from errors the host returns.' }),
  consecutiveLocalOriginFailures: i32('Proxy-side failures in a row that eject a host (with splitExternalLocalOriginErrors).'),
  consecutiveGatewayErrors: uint32('502, 503 or 504 answers in a row that eject a host.'),
  consecutive5xxErrors: uint32('5xx answers in a row that eject a host.'),
  interval: duration('How often hosts are checked for ejection.'),
  baseEjectionTime: duration('Shortest time an ejected host stays out; grows with each ejection.'),
  maxEjectionPercent: s.int32({ description: 'Highest share of hosts, in percent, that may be ejected at once.' }),
  minHealthPercent: s.int32({ description: 'Ejection stops while fewer than this percentage of hosts are healthy.' }),
};

export const OutlierDetection = s.object(
  { ...OutlierDetectionFields, consecutiveErrors: s.int32() },
  { description: 'When hosts that keep failing are taken out of load balancing, and for how long.' },
);

/** The seed's outlier settings under connectionPool.http, each pointing at outlierDetection. */
const seedHttpOutlierFields: Record<string, Schema> = Object.fromEntries(
  (['consecutiveGatewayErrors', 'consecutive5xxErrors', 'interval', 'baseEjectionTime', 'maxEjectionPercent'] as const).map((k) => [
    k,
    s.withOpts(OutlierDetectionFields[k], {
      description: `Not an Istio field (accepted for compatibility with the seed): outlier detection belongs in trafficPolicy.outlierDetection.${k}.`,
      'x-flotilla-upstream-field': `../../outlierDetection.${k}`,
    }),
  ]),
);

export const ConnectionPoolSettings = s.object(
  {
    tcp: s.object({
      maxConnections: s.int32({ description: 'Most connections open to one destination host.' }),
      connectTimeout: duration('Time limit for opening a connection.'),
      tcpKeepalive: s.object({
        probes: uint32('Unanswered probes after which the connection counts as dead.'),
        time: duration('Idle time before probing starts.'),
        interval: duration('Time between probes.'),
      }, { description: 'Turn on TCP keepalive probes for upstream connections.' }),
      maxConnectionDuration: duration('Longest a connection is kept, busy or not.'),
      idleTimeout: duration('Close connections idle this long.'),
    }, { description: 'Limits on upstream connections, for every protocol.' }),
    http: s.object({
      http1MaxPendingRequests: s.int32({ description: 'Most requests waiting for a free connection.' }),
      http2MaxRequests: s.int32({ description: 'Most requests in flight to the destination.' }),
      maxRequestsPerConnection: s.int32({ description: 'Requests after which a connection is closed; unlimited when 0 or unset.' }),
      maxRetries: s.int32({ description: 'Most retries in progress at once across all hosts of the destination.' }),
      idleTimeout: duration('Close pooled HTTP connections idle this long.'),
      h2UpgradePolicy: s.enumOf(['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'], { description: 'Whether HTTP/1.1 connections to the destination are upgraded to HTTP/2.' }),
      useClientProtocol: s.bool({ description: 'Talk to the destination in the protocol the client used (HTTP/1.1 or HTTP/2).' }),
      maxConcurrentStreams: s.int32({ description: 'Most streams at once on one HTTP/2 connection.' }),
      ...seedHttpOutlierFields,
    }, { description: 'Limits on HTTP requests and connections.' }),
  },
  { description: 'Limits on connections and requests to the destination (circuit breaking).' },
);

const LoadBalancerSettings = s.object(
  {
    simple: s.enumOf(['UNSPECIFIED', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST', 'LEAST_CONN'], { description: 'A plain balancing algorithm: round robin, least requests, random, or passthrough.' }),
    consistentHash: s.object({
      httpHeaderName: s.string({ description: 'Hash this request header.' }),
      httpCookie: s.object({ name: s.string({ description: 'Cookie name.' }), path: s.string({ description: 'Cookie path.' }), ttl: duration('Cookie lifetime; the proxy sets the cookie when it is missing.') }, { required: ['name'], description: 'Hash this cookie.' }),
      useSourceIp: s.bool({ description: 'Hash the client address.' }),
      httpQueryParameterName: s.string({ description: 'Hash this query parameter.' }),
      ringHash: s.object({ minimumRingSize: i64('Smallest number of points on the ring.') }, { description: 'Consistent hashing on a ring of points.' }),
      maglev: s.object({ tableSize: i64('Size of the Maglev lookup table (a prime).') }, { description: 'Consistent hashing with a Maglev lookup table.' }),
      minimumRingSize: i64('Older form of ringHash.minimumRingSize.'),
    }, { description: 'Send requests with the same key (header, cookie, address...) to the same host while it stays available.' }),
    localityLbSetting: s.object({
      distribute: s.array(s.object({ from: s.string({ description: 'Locality of the caller, region/zone/subzone, where * may end it.' }), to: s.map(i32('Share of traffic for this locality.'), { description: 'Destination localities and the share of traffic each gets, adding up to 100.' }) }), { description: 'Split traffic from a caller locality over destination localities by weight; set only one of distribute, failover and failoverPriority.' }),
      failover: s.array(s.object({ from: s.string({ description: 'Region traffic comes from.' }), to: s.string({ description: 'Region to send it to when the from region has no healthy endpoints.' }) }), { description: 'Where traffic goes when a region has no healthy endpoints; set only one of distribute, failover and failoverPriority.' }),
      failoverPriority: strings('Labels, most important first: endpoints that share more of them with the caller are preferred.'),
      enabled: s.bool({ description: 'Turn locality-aware balancing on or off for this destination.' }),
    }, { description: 'Locality-aware balancing for this destination, replacing the mesh-wide setting.' }),
    warmupDurationSecs: duration('Time over which a new endpoint\'s share of traffic is raised gradually.'),
  },
  { description: 'How requests are spread over the endpoints.' },
);

const ClientTLSSettings = s.object(
  {
    mode: s.enumOf(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'], { description: 'How connections to the destination use TLS: DISABLE, SIMPLE, MUTUAL, or ISTIO_MUTUAL (mesh certificates).' }),
    clientCertificate: s.string({ description: 'File path of the client certificate (MUTUAL, unless credentialName is set).' }),
    privateKey: s.string({ description: 'File path of the client private key (MUTUAL, unless credentialName is set).' }),
    caCertificates: s.string({ description: 'File path of the CA certificates the server certificate is checked against.' }),
    credentialName: s.string({ description: 'A Secret holding the client certificate, key and CA certificates, used instead of file paths.' }),
    subjectAltNames: strings('Subject alternative names the server certificate must carry.'),
    sni: s.string({ description: 'Server name sent in the TLS handshake.' }),
    insecureSkipVerify: s.bool({ description: 'Do not check the server certificate\'s signature or names.' }),
    caCrl: s.string({ description: 'File path of a revocation list applied to the server certificate.' }),
  },
  { description: 'TLS the proxy uses when connecting to the destination.' },
);

const PortTrafficPolicy = s.object({
  port: PortSelector,
  loadBalancer: LoadBalancerSettings,
  connectionPool: ConnectionPoolSettings,
  outlierDetection: OutlierDetection,
  tls: ClientTLSSettings,
});

export const TrafficPolicy = s.object(
  {
    loadBalancer: LoadBalancerSettings,
    connectionPool: ConnectionPoolSettings,
    outlierDetection: OutlierDetection,
    tls: ClientTLSSettings,
    portLevelSettings: s.array(PortTrafficPolicy, { description: 'Policies for single ports, overriding the ones above for that port.', maxItems: 4096 }),
    tunnel: s.object({
      protocol: s.string({ description: 'Tunnel protocol: CONNECT (the default) or POST.' }),
      targetHost: s.string({ description: 'Host the tunnel is opened to.' }),
      targetPort: uint32('Port the tunnel is opened to.'),
    }, { required: ['targetHost', 'targetPort'], description: 'Carry the TCP connections to this destination inside an HTTP tunnel.' }),
    proxyProtocol: s.object({ version: s.enumOf(['V1', 'V2'], { description: 'V1 (text) or V2 (binary).' }) }, { description: 'Send a PROXY protocol header carrying the client address to the destination.' }),
    circuitBreaker: s.withOpts(OutlierDetection, {
      description: 'Not an Istio field (accepted for compatibility with the seed): circuit breaking is configured with outlierDetection and connectionPool.',
      'x-flotilla-upstream-field': 'outlierDetection',
    }),
  },
  { description: 'How traffic to the destination is handled: balancing, connection limits, ejection of failing hosts, TLS.' },
);

export const DestinationRuleSpec = s.object(
  {
    host: s.string({ description: 'The service to send to, as a host name known to the mesh (short names resolve in the rule\'s namespace).' }),
    trafficPolicy: TrafficPolicy,
    subsets: s.array(s.object({
      name: s.string({ description: 'Name routes use to pick the subset.' }),
      labels: labels('Labels an endpoint must carry to belong to the subset.'),
      trafficPolicy: TrafficPolicy,
    }, { required: ['name'] }), { description: 'Named groups of the service\'s endpoints, such as versions, that routes can target.' }),
    exportTo: strings('Namespaces that can see this DestinationRule (. for this one, * for all).'),
    workloadSelector: s.object({ matchLabels: labels('Labels a workload (pod or VM) must carry.') }, { description: 'Limits the rule to the client workloads that match; all in the namespace when unset.' }),
    portLevelSettings: s.withOpts(s.array(PortTrafficPolicy), {
      description: 'Not an Istio field (accepted for compatibility with the seed): per-port policies belong in trafficPolicy.portLevelSettings.',
      'x-flotilla-upstream-field': 'trafficPolicy.portLevelSettings',
    }),
  },
  { required: ['host'], description: 'Policies for traffic to one service once routing has picked it, and its named subsets.' },
);

// ---------------------------------------------------------------- ServiceEntry

export const ServiceEntrySpec = s.object(
  {
    hosts: strings('Host names the entry adds; matched against HTTP Host or TLS SNI.'),
    addresses: strings('Virtual addresses or CIDR ranges of the service.'),
    ports: s.array(s.object({
      number: uint32('The port number.'),
      protocol: s.string({ description: 'Protocol spoken on the port.' }),
      name: s.string({ description: 'A name for the port.' }),
      targetPort: uint32('Port the traffic is delivered to on the endpoint, when it differs from number.'),
    }, { required: ['number', 'name'] }), { description: 'The ports the service listens on.' }),
    location: s.enumOf(['MESH_EXTERNAL', 'MESH_INTERNAL'], { description: 'Whether the service is outside the mesh (MESH_EXTERNAL) or part of it (MESH_INTERNAL).' }),
    resolution: s.enumOf(['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'], { description: 'How the proxy finds addresses for the hosts: NONE, STATIC (endpoints), or DNS variants.' }),
    endpoints: s.array(s.object({
      address: s.string({ description: 'IP address, host name or Unix socket of the endpoint.' }),
      ports: s.map(uint32('The endpoint\'s port for this named port.'), { description: 'Endpoint ports, by the service port names.' }),
      labels: labels('Labels of the endpoint, e.g. for subsets.'),
      network: s.string({ description: 'The network the endpoint is on, for multi-network meshes.' }),
      locality: s.string({ description: 'Where the endpoint runs, region/zone/subzone.' }),
      weight: uint32('The endpoint\'s relative share of traffic.'),
      serviceAccount: s.string({ description: 'Service account of the endpoint\'s workload, when it runs a sidecar.' }),
    }), { description: 'Fixed endpoints of the service (for STATIC or DNS resolution).' }),
    workloadSelector: s.object({ labels: labels('Labels of the workloads that serve the entry.') }, { description: 'Selects the mesh workloads (pods, WorkloadEntries) serving a MESH_INTERNAL entry, instead of endpoints.' }),
    exportTo: strings('Namespaces that can see this ServiceEntry (. for this one, * for all).'),
    subjectAltNames: strings('Subject alternative names the server certificate must carry.'),
  },
  { required: ['hosts'], description: 'A service added to the mesh\'s registry: its hosts, ports, endpoints and how they resolve.' },
);
