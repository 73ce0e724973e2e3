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
    exact: s.string({ description: 'exact string match' }),
    prefix: s.string({ description: 'prefix-based match' }),
    regex: s.string({ description: 'RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax).' }),
  },
  { description: 'Describes how to match a given string in HTTP headers. Exactly one of exact, prefix or regex.' },
);

export const PortSelector = s.object(
  { number: uint32('Valid port number') },
  { description: 'Specifies the port on the host that is being addressed.' },
);

export const Destination = s.object(
  {
    host: s.string({ description: 'The name of a service from the service registry.' }),
    port: PortSelector,
    subset: s.string({ description: 'The name of a subset within the service.' }),
  },
  { required: ['host'], description: 'Destination uniquely identifies the instances of a service to which the request/connection should be forwarded to.' },
);

const HeaderOperations = s.object({
  add: labels('Append the given values to the headers specified by keys (will create a comma-separated list of values).'),
  remove: strings('Remove the specified headers.'),
  set: labels('Overwrite the headers specified by key with the given values.'),
});
const Headers = s.object({ request: HeaderOperations, response: HeaderOperations }, { description: 'Header manipulation rules.' });

const Percent = s.object({ value: s.number({ description: 'Percentage of requests, between 0.0 and 100.0.' }) }, { description: 'Percent specifies a percentage in the range of [0.0, 100.0].' });

// ---------------------------------------------------------------- Gateway

export const ServerTLSSettings = s.object(
  {
    httpsRedirect: s.bool({ description: 'If set to true, the load balancer will send a 301 redirect for all http connections, asking the clients to use HTTPS.' }),
    mode: s.enumOf(['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'], { description: 'Optional: Indicates whether connections to this port should be secured using TLS.' }),
    serverCertificate: s.string({ description: 'REQUIRED if mode is SIMPLE or MUTUAL. The path to the file holding the server-side TLS certificate to use.' }),
    privateKey: s.string({ description: "REQUIRED if mode is SIMPLE or MUTUAL. The path to the file holding the server's private key." }),
    caCertificates: s.string({ description: 'REQUIRED if mode is MUTUAL or OPTIONAL_MUTUAL. The path to a file containing certificate authority certificates to use in verifying a presented client side certificate.' }),
    caCrl: s.string({ description: 'OPTIONAL: The path to a file containing the certificate revocation list (CRL) to use in verifying a presented client side certificate.' }),
    credentialName: s.string({ description: 'For gateways running on Kubernetes, the name of the secret that holds the TLS certs including the CA certificates.' }),
    credentialNames: s.array(s.string(), { description: 'Same as CredentialName but for multiple certificates.', maxItems: 2, minItems: 1 }),
    subjectAltNames: strings('A list of alternate names to verify the subject identity in the certificate presented by the client.'),
    verifyCertificateSpki: strings('An optional list of base64-encoded SHA-256 hashes of the SPKIs of authorized client certificates.'),
    verifyCertificateHash: strings('An optional list of hex-encoded SHA-256 hashes of the authorized client certificates.'),
    minProtocolVersion: s.enumOf(['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'], { description: 'Optional: Minimum TLS protocol version.' }),
    maxProtocolVersion: s.enumOf(['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'], { description: 'Optional: Maximum TLS protocol version.' }),
    cipherSuites: strings('Optional: If specified, only support the specified cipher list.'),
  },
  { description: 'Set of TLS related options that govern the server\'s behavior.' },
);

export const Server = s.object(
  {
    port: s.object(
      {
        number: uint32('A valid non-negative integer port number.'),
        protocol: s.string({ description: 'The protocol exposed on the port: HTTP|HTTPS|GRPC|GRPC-WEB|HTTP2|MONGO|TCP|TLS.' }),
        name: s.string({ description: 'Label assigned to the port.' }),
        targetPort: uint32('The port number on the endpoint where the traffic will be received.'),
      },
      { required: ['number', 'protocol', 'name'], description: 'The Port on which the proxy should listen for incoming connections.' },
    ),
    bind: s.string({ description: 'The ip or the Unix domain socket to which the listener should be bound to.' }),
    hosts: strings('One or more hosts exposed by this gateway.'),
    tls: ServerTLSSettings,
    defaultEndpoint: s.string({ description: 'The loopback IP endpoint or Unix domain socket to which traffic should be forwarded to by default.' }),
    name: s.string({ description: 'An optional name of the server, when set must be unique across all servers.' }),
  },
  { required: ['port', 'hosts'] },
);

export const GatewaySpec = s.object(
  {
    servers: s.array(Server, { description: 'A list of server specifications.' }),
    selector: labels('One or more labels that indicate a specific set of pods/VMs on which this gateway configuration should be applied.'),
  },
  { description: 'Configuration affecting edge load balancer. See more details at: https://istio.io/docs/reference/config/networking/gateway.html' },
);

// ---------------------------------------------------------------- VirtualService

const HTTPMatchRequest = s.object({
  name: s.string({ description: 'The name assigned to a match.' }),
  uri: StringMatch,
  scheme: StringMatch,
  method: StringMatch,
  authority: StringMatch,
  headers: s.map(StringMatch, { description: 'The header keys must be lowercase and use hyphen as the separator, e.g. _x-request-id_.' }),
  port: uint32('Specifies the ports on the host that is being addressed.'),
  sourceLabels: labels('One or more labels that constrain the applicability of a rule to source (client) workloads with the given labels.'),
  gateways: strings('Names of gateways where the rule should be applied.'),
  queryParams: s.map(StringMatch, { description: 'Query parameters for matching.' }),
  ignoreUriCase: s.bool({ description: 'Flag to specify whether the URI matching should be case-insensitive.' }),
  withoutHeaders: s.map(StringMatch, { description: 'withoutHeader has the same syntax with the header, but has opposite meaning.' }),
  sourceNamespace: s.string({ description: 'Source namespace constraining the applicability of a rule to workloads in that namespace.' }),
  statPrefix: s.string({ description: 'The human readable prefix to use when emitting statistics for this route.' }),
});

const HTTPRouteDestination = s.object(
  {
    destination: Destination,
    weight: s.int32({ description: 'Weight specifies the relative proportion of traffic to be forwarded to the destination.' }),
    headers: Headers,
  },
  { required: ['destination'] },
);

const RouteDestination = s.object(
  { destination: Destination, weight: s.int32({ description: 'Weight specifies the relative proportion of traffic to be forwarded to the destination.' }) },
  { required: ['destination'] },
);

const HTTPRoute = s.object({
  name: s.string({ description: 'The name assigned to the route for debugging purposes.' }),
  match: s.array(HTTPMatchRequest, { description: 'Match conditions to be satisfied for the rule to be activated.' }),
  route: s.array(HTTPRouteDestination, { description: 'A HTTP rule can either return a direct_response, redirect or forward (default) traffic.' }),
  redirect: s.object({
    uri: s.string({ description: 'On a redirect, overwrite the Path portion of the URL with this value.' }),
    authority: s.string({ description: 'On a redirect, overwrite the Authority/Host portion of the URL with this value.' }),
    port: uint32('On a redirect, Specifies the port to be used in the redirect.'),
    derivePort: s.enumOf(['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'], { description: 'On a redirect, dynamically set the port.' }),
    scheme: s.string({ description: 'On a redirect, overwrite the scheme portion of the URL with this value.' }),
    redirectCode: uint32('On a redirect, Specifies the HTTP status code to use in the redirect response.'),
  }, { description: 'A HTTP rule can either return a direct_response, redirect or forward (default) traffic.' }),
  directResponse: s.object({
    status: uint32('Specifies the HTTP response status to be returned.'),
    body: s.object({ string: s.string({ description: 'response body as a string' }), bytes: s.bytes({ description: 'response body as base64 encoded bytes.' }) }, { description: 'Specifies the content of the response body.' }),
  }, { required: ['status'], description: 'A HTTP rule can either return a direct_response, redirect or forward (default) traffic.' }),
  delegate: s.object({ name: s.string({ description: 'Name specifies the name of the delegate VirtualService.' }), namespace: s.string({ description: 'Namespace specifies the namespace where the delegate VirtualService resides.' }) }, { description: 'Delegate is used to specify the particular VirtualService which can be used to define delegate HTTPRoute.' }),
  rewrite: s.object({
    uri: s.string({ description: 'rewrite the path (or the prefix) portion of the URI with this value.' }),
    authority: s.string({ description: 'rewrite the Authority/Host header with this value.' }),
    uriRegexRewrite: s.object({ match: s.string({ description: 'RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax).' }), rewrite: s.string({ description: 'The string that should replace into matching portions of original URI.' }) }, { description: 'rewrite the path portion of the URI with the specified regex.' }),
  }, { description: 'Rewrite HTTP URIs and Authority headers.' }),
  timeout: duration('Timeout for HTTP requests, default is disabled.'),
  retries: s.object({
    attempts: s.int32({ description: 'Number of retries to be allowed for a given request.' }),
    perTryTimeout: duration('Timeout per attempt for a given request, including the initial call and any retries.'),
    retryOn: s.string({ description: 'Specifies the conditions under which retry takes place.' }),
    retryRemoteLocalities: s.bool({ description: 'Flag to specify whether the retries should retry to other localities.' }),
    retryIgnorePreviousHosts: s.bool({ description: 'Flag to specify whether the retries should ignore previously tried hosts during retry.' }),
    backoff: duration('Specifies the minimum duration between retry attempts.'),
  }, { description: 'Retry policy for HTTP requests.' }),
  fault: s.object({
    delay: s.object({
      percent: s.int32({ description: 'Percentage of requests on which the delay will be injected (0-100).' }),
      fixedDelay: duration('Add a fixed delay before forwarding the request.'),
      exponentialDelay: duration('Exponential delay (not supported).'),
      percentage: Percent,
    }, { description: 'Delay requests before forwarding, emulating various failures such as network issues, overloaded upstream service, etc.' }),
    abort: s.object({
      httpStatus: s.int32({ description: 'HTTP status code to use to abort the Http request.' }),
      grpcStatus: s.string({ description: 'GRPC status code to use to abort the request.' }),
      http2Error: s.string(),
      percentage: Percent,
    }, { description: 'Abort Http request attempts and return error codes back to downstream service, giving the impression that the upstream service is faulty.' }),
  }, { description: 'Fault injection policy to apply on HTTP traffic at the client side.' }),
  mirror: s.object({ host: s.string({ description: 'The name of a service from the service registry.' }), port: PortSelector, subset: s.string({ description: 'The name of a subset within the service.' }) }, { required: ['host'], description: 'Mirror HTTP traffic to a another destination in addition to forwarding the requests to the intended destination.' }),
  mirrors: s.array(s.object({ destination: Destination, percentage: Percent }, { required: ['destination'] }), { description: 'Specifies the destinations to mirror HTTP traffic in addition to the original destination.' }),
  mirrorPercent: uint32('Percentage of the traffic to be mirrored by the `mirror` field.'),
  mirrorPercentage: Percent,
  mirror_percent: uint32('Percentage of the traffic to be mirrored by the `mirror` field.'),
  corsPolicy: s.object({
    allowOrigin: strings('The list of origins that are allowed to perform CORS requests.'),
    allowOrigins: s.array(StringMatch, { description: 'String patterns that match allowed origins.' }),
    allowMethods: strings('List of HTTP methods allowed to access the resource.'),
    allowHeaders: strings('List of HTTP headers that can be used when requesting the resource.'),
    exposeHeaders: strings('A list of HTTP headers that the browsers are allowed to access.'),
    maxAge: duration('Specifies how long the results of a preflight request can be cached.'),
    allowCredentials: s.bool({ description: 'Indicates whether the caller is allowed to send the actual request (not the preflight) using credentials.' }),
    unmatchedPreflights: s.enumOf(['UNSPECIFIED', 'FORWARD', 'IGNORE'], { description: 'Indicates whether preflight requests not matching the configured allowed origin shouldn\'t be forwarded to the upstream.' }),
  }, { description: 'Cross-Origin Resource Sharing policy (CORS).' }),
  headers: Headers,
});

const L4MatchAttributes = {
  destinationSubnets: strings('IPv4 or IPv6 ip addresses of destination with optional subnet.'),
  port: uint32('Specifies the port on the host that is being addressed.'),
  sourceLabels: labels('One or more labels that constrain the applicability of a rule to workloads with the given labels.'),
  gateways: strings('Names of gateways where the rule should be applied.'),
  sourceNamespace: s.string({ description: 'Source namespace constraining the applicability of a rule to workloads in that namespace.' }),
};

export const VirtualServiceSpec = s.object(
  {
    hosts: strings('The destination hosts to which traffic is being sent.'),
    gateways: strings('The names of gateways and sidecars that should apply these routes.'),
    http: s.array(HTTPRoute, { description: 'An ordered list of route rules for HTTP traffic.' }),
    tls: s.array(s.object({
      match: s.array(s.object({ sniHosts: strings('SNI (server name indicator) to match on.'), ...L4MatchAttributes }, { required: ['sniHosts'] }), { description: 'Match conditions to be satisfied for the rule to be activated.' }),
      route: s.array(RouteDestination, { description: 'The destination to which the connection should be forwarded to.' }),
    }, { required: ['match'] }), { description: 'An ordered list of route rule for non-terminated TLS & HTTPS traffic.' }),
    tcp: s.array(s.object({
      match: s.array(s.object({ ...L4MatchAttributes, sourceSubnet: s.string() }), { description: 'Match conditions to be satisfied for the rule to be activated.' }),
      route: s.array(RouteDestination, { description: 'The destination to which the connection should be forwarded to.' }),
    }), { description: 'An ordered list of route rules for opaque TCP traffic.' }),
    exportTo: strings('A list of namespaces to which this virtual service is exported.'),
  },
  { description: 'Configuration affecting label/content routing, sni routing, etc. See more details at: https://istio.io/docs/reference/config/networking/virtual-service.html' },
);

// ---------------------------------------------------------------- DestinationRule

const OutlierDetectionFields = {
  splitExternalLocalOriginErrors: s.bool({ description: 'Determines whether to distinguish local origin failures from external errors.' }),
  consecutiveLocalOriginFailures: i32('The number of consecutive locally originated failures before ejection occurs.'),
  consecutiveGatewayErrors: uint32('Number of gateway errors before a host is ejected from the connection pool.'),
  consecutive5xxErrors: uint32('Number of 5xx errors before a host is ejected from the connection pool.'),
  interval: duration('Time interval between ejection sweep analysis.'),
  baseEjectionTime: duration('Minimum ejection duration.'),
  maxEjectionPercent: s.int32({ description: 'Maximum % of hosts in the load balancing pool for the upstream service that can be ejected.' }),
  minHealthPercent: s.int32({ description: 'Outlier detection will be enabled as long as the associated load balancing pool has at least `minHealthPercent` hosts in healthy mode.' }),
};

export const OutlierDetection = s.object(
  { ...OutlierDetectionFields, consecutiveErrors: s.int32() },
  { description: 'Settings controlling eviction of unhealthy hosts from the load balancing pool.' },
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
      maxConnections: s.int32({ description: 'Maximum number of HTTP1 /TCP connections to a destination host.' }),
      connectTimeout: duration('TCP connection timeout.'),
      tcpKeepalive: s.object({
        probes: uint32('Maximum number of keepalive probes to send without response before deciding the connection is dead.'),
        time: duration('The time duration a connection needs to be idle before keep-alive probes start being sent.'),
        interval: duration('The time duration between keep-alive probes.'),
      }, { description: 'If set then set SO_KEEPALIVE on the socket to enable TCP Keepalives.' }),
      maxConnectionDuration: duration('The maximum duration of a connection.'),
      idleTimeout: duration('The idle timeout for TCP connections.'),
    }, { description: 'Settings common to both HTTP and TCP upstream connections.' }),
    http: s.object({
      http1MaxPendingRequests: s.int32({ description: 'Maximum number of requests that will be queued while waiting for a ready connection pool connection.' }),
      http2MaxRequests: s.int32({ description: 'Maximum number of active requests to a destination.' }),
      maxRequestsPerConnection: s.int32({ description: 'Maximum number of requests per connection to a backend.' }),
      maxRetries: s.int32({ description: 'Maximum number of retries that can be outstanding to all hosts in a cluster at a given time.' }),
      idleTimeout: duration('The idle timeout for upstream connection pool connections.'),
      h2UpgradePolicy: s.enumOf(['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'], { description: 'Specify if http1.1 connection should be upgraded to http2 for the associated destination.' }),
      useClientProtocol: s.bool({ description: 'If set to true, client protocol will be preserved while initiating connection to backend.' }),
      maxConcurrentStreams: s.int32({ description: 'The maximum number of concurrent streams allowed for a peer on one HTTP/2 connection.' }),
      ...seedHttpOutlierFields,
    }, { description: 'HTTP connection pool settings.' }),
  },
  { description: 'Settings controlling the volume of connections to an upstream service.' },
);

const LoadBalancerSettings = s.object(
  {
    simple: s.enumOf(['UNSPECIFIED', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST', 'LEAST_CONN'], { description: 'Standard load balancing algorithms that require no tuning.' }),
    consistentHash: s.object({
      httpHeaderName: s.string({ description: 'Hash based on a specific HTTP header.' }),
      httpCookie: s.object({ name: s.string({ description: 'Name of the cookie.' }), path: s.string({ description: 'Path to set for the cookie.' }), ttl: duration('Lifetime of the cookie.') }, { required: ['name'], description: 'Hash based on HTTP cookie.' }),
      useSourceIp: s.bool({ description: 'Hash based on the source IP address.' }),
      httpQueryParameterName: s.string({ description: 'Hash based on a specific HTTP query parameter.' }),
      ringHash: s.object({ minimumRingSize: i64('The minimum number of virtual nodes to use for the hash ring.') }, { description: 'The ring/modulo hash load balancer implements consistent hashing to backend hosts.' }),
      maglev: s.object({ tableSize: i64('The table size for Maglev hashing.') }, { description: 'The Maglev load balancer implements consistent hashing to backend hosts.' }),
      minimumRingSize: i64('Deprecated.'),
    }, { description: 'Consistent Hash-based load balancing can be used to provide soft session affinity based on HTTP headers, cookies or other properties.' }),
    localityLbSetting: s.object({
      distribute: s.array(s.object({ from: s.string({ description: 'Originating locality, \'/\' separated, e.g.' }), to: s.map(i32('weight'), { description: 'Map of upstream localities to traffic distribution weights.' }) }), { description: 'Optional: only one of distribute, failover or failoverPriority can be set.' }),
      failover: s.array(s.object({ from: s.string({ description: 'Originating region.' }), to: s.string({ description: 'Destination region the traffic will fail over to when endpoints in the \'from\' region becomes unhealthy.' }) }), { description: 'Optional: only one of distribute, failover or failoverPriority can be set.' }),
      failoverPriority: strings('failoverPriority is an ordered list of labels used to sort endpoints to do priority based load balancing.'),
      enabled: s.bool({ description: 'enable locality load balancing, this is DestinationRule-level and will override mesh wide settings in entirety.' }),
    }, { description: 'Locality load balancer settings, this will override mesh wide settings in entirety.' }),
    warmupDurationSecs: duration('Represents the warmup duration of Service.'),
  },
  { description: 'Settings controlling the load balancer algorithms.' },
);

const ClientTLSSettings = s.object(
  {
    mode: s.enumOf(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'], { description: 'Indicates whether connections to this port should be secured using TLS.' }),
    clientCertificate: s.string({ description: 'REQUIRED if mode is `MUTUAL`. The path to the file holding the client-side TLS certificate to use.' }),
    privateKey: s.string({ description: 'REQUIRED if mode is `MUTUAL`. The path to the file holding the client\'s private key.' }),
    caCertificates: s.string({ description: 'OPTIONAL: The path to the file containing certificate authority certificates to use in verifying a presented server certificate.' }),
    credentialName: s.string({ description: 'The name of the secret that holds the TLS certs for the client including the CA certificates.' }),
    subjectAltNames: strings('A list of alternate names to verify the subject identity in the certificate.'),
    sni: s.string({ description: 'SNI string to present to the server during TLS handshake.' }),
    insecureSkipVerify: s.bool({ description: 'InsecureSkipVerify specifies whether the proxy should skip verifying the CA signature and SAN for the server certificate corresponding to the host.' }),
    caCrl: s.string({ description: 'OPTIONAL: The path to the file containing the certificate revocation list (CRL) to use in verifying a presented server certificate.' }),
  },
  { description: 'TLS related settings for connections to the upstream service.' },
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
    portLevelSettings: s.array(PortTrafficPolicy, { description: 'Traffic policies specific to individual ports.', maxItems: 4096 }),
    tunnel: s.object({
      protocol: s.string({ description: 'Specifies which protocol to use for tunneling the downstream connection.' }),
      targetHost: s.string({ description: 'Specifies a host to which the downstream connection is tunneled.' }),
      targetPort: uint32('Specifies a port to which the downstream connection is tunneled.'),
    }, { required: ['targetHost', 'targetPort'], description: 'Configuration of tunneling TCP over other transport or application layers for the host configured in the DestinationRule.' }),
    proxyProtocol: s.object({ version: s.enumOf(['V1', 'V2'], { description: 'The PROXY protocol version to use.' }) }, { description: 'Specifies the configuration for the PROXY protocol.' }),
    circuitBreaker: s.withOpts(OutlierDetection, {
      description: 'Not an Istio field (accepted for compatibility with the seed): circuit breaking is configured with outlierDetection and connectionPool.',
      'x-flotilla-upstream-field': 'outlierDetection',
    }),
  },
  { description: 'Traffic policies to apply (load balancing policy, connection pool sizes, outlier detection).' },
);

export const DestinationRuleSpec = s.object(
  {
    host: s.string({ description: 'The name of a service from the service registry.' }),
    trafficPolicy: TrafficPolicy,
    subsets: s.array(s.object({
      name: s.string({ description: 'Name of the subset.' }),
      labels: labels('Labels apply a filter over the endpoints of a service in the service registry.'),
      trafficPolicy: TrafficPolicy,
    }, { required: ['name'] }), { description: 'One or more named sets that represent individual versions of a service.' }),
    exportTo: strings('A list of namespaces to which this destination rule is exported.'),
    workloadSelector: s.object({ matchLabels: labels('One or more labels that indicate a specific set of pods/VMs on which a policy should be applied.') }, { description: 'Criteria used to select the specific set of pods/VMs on which this `DestinationRule` configuration should be applied.' }),
    portLevelSettings: s.withOpts(s.array(PortTrafficPolicy), {
      description: 'Not an Istio field (accepted for compatibility with the seed): per-port policies belong in trafficPolicy.portLevelSettings.',
      'x-flotilla-upstream-field': 'trafficPolicy.portLevelSettings',
    }),
  },
  { required: ['host'], description: 'Configuration affecting load balancing, outlier detection, etc. See more details at: https://istio.io/docs/reference/config/networking/destination-rule.html' },
);

// ---------------------------------------------------------------- ServiceEntry

export const ServiceEntrySpec = s.object(
  {
    hosts: strings('The hosts associated with the ServiceEntry.'),
    addresses: strings('The virtual IP addresses associated with the service.'),
    ports: s.array(s.object({
      number: uint32('A valid non-negative integer port number.'),
      protocol: s.string({ description: 'The protocol exposed on the port.' }),
      name: s.string({ description: 'Label assigned to the port.' }),
      targetPort: uint32('The port number on the endpoint where the traffic will be received.'),
    }, { required: ['number', 'name'] }), { description: 'The ports associated with the external service.' }),
    location: s.enumOf(['MESH_EXTERNAL', 'MESH_INTERNAL'], { description: 'Specify whether the service should be considered external to the mesh or part of the mesh.' }),
    resolution: s.enumOf(['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'], { description: 'Service resolution mode for the hosts.' }),
    endpoints: s.array(s.object({
      address: s.string({ description: 'Address associated with the network endpoint without the port.' }),
      ports: s.map(uint32('port'), { description: 'Set of ports associated with the endpoint.' }),
      labels: labels('One or more labels associated with the endpoint.'),
      network: s.string({ description: 'Network enables Istio to group endpoints resident in the same L3 domain/network.' }),
      locality: s.string({ description: 'The locality associated with the endpoint.' }),
      weight: uint32('The load balancing weight associated with the endpoint.'),
      serviceAccount: s.string({ description: 'The service account associated with the workload if a sidecar is present in the workload.' }),
    }), { description: 'One or more endpoints associated with the service.' }),
    workloadSelector: s.object({ labels: labels('One or more labels that indicate a specific set of pods/VMs on which the configuration should be applied.') }, { description: 'Applicable only for MESH_INTERNAL services.' }),
    exportTo: strings('A list of namespaces to which this service is exported.'),
    subjectAltNames: strings('If specified, the proxy will verify that the server certificate\'s subject alternate name matches one of the specified values.'),
  },
  { required: ['hosts'], description: 'Configuration affecting service registry. See more details at: https://istio.io/docs/reference/config/networking/service-entry.html' },
);
