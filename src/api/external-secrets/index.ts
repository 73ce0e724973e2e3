/**
 * external-secrets.io/v1beta1 SecretStore, ClusterSecretStore and ExternalSecret, built in and
 * served as the External Secrets Operator's CRDs serve them (schemas, defaults, status
 * subresources, short names ss/css/es, category external-secrets, printer columns). The Vault
 * provider the seed uses is spelled out; the other providers keep their content as given
 * (x-kubernetes-preserve-unknown-fields). No operator runs in Flotilla yet: objects are stored.
 */
import type { ResourceDef } from '../types.js';
import { s, type Schema } from '../schema/index.js';
import { kindSchema, LabelSelector } from '../meta/v1.js';
import { AGE, crdStrategy, printerColumns, type PrinterColumn } from '../seed-groups/crd-kind.js';

const GROUP = 'external-secrets.io';
const VERSION = 'v1beta1';
const PRODUCT = 'External Secrets';
const str = (description: string, opts: Partial<Schema> = {}): Schema => s.string({ description, ...opts });
/** A DNS-1123 subdomain, as ESO's CRDs constrain object names. */
const objectName = (description: string): Schema => str(description, { maxLength: 253, minLength: 1, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' });
/** A Secret data key. */
const secretKey = (description: string): Schema => str(description, { maxLength: 253, minLength: 1, pattern: '^[-._a-zA-Z0-9]+$' });

const SecretKeySelector = s.object(
  {
    name: str('The name of the Secret resource being referred to.'),
    namespace: str('Namespace of the resource being referred to. Ignored if referent is not cluster-scoped. cluster-scoped defaults to the namespace of the referent.'),
    key: str('The key of the entry in the Secret resource\'s `data` field to be used. Some instances of this field may be defaulted, in others it may be required.'),
  },
);
const ServiceAccountSelector = s.object(
  {
    name: str('The name of the ServiceAccount resource being referred to.'),
    namespace: str('Namespace of the resource being referred to. Ignored if referent is not cluster-scoped. cluster-scoped defaults to the namespace of the referent.'),
    audiences: s.array(s.string(), { description: 'Audience specifies the `aud` claim for the service account token If the service account uses a well-known annotation for e.g. IRSA or GCP Workload Identity then this audiences will be appended to the list' }),
  },
  { required: ['name'] },
);
const anyAuth = (description: string): Schema => s.looseObject({}, { description });

const VaultProvider = s.object(
  {
    auth: s.object(
      {
        tokenSecretRef: s.withOpts(SecretKeySelector, { description: 'TokenSecretRef authenticates with Vault by presenting a token.' }),
        appRole: anyAuth('AppRole authenticates with Vault using the App Role auth mechanism, with the role and secret stored in a Kubernetes Secret resource.'),
        kubernetes: s.object(
          {
            mountPath: str('Path where the Kubernetes authentication backend is mounted in Vault, e.g: "kubernetes"', { default: 'kubernetes' }),
            role: str('A required field containing the Vault Role to assume. A Role binds a Kubernetes ServiceAccount with a set of Vault policies.'),
            serviceAccountRef: s.withOpts(ServiceAccountSelector, { description: 'Optional service account field containing the name of a kubernetes ServiceAccount. If the service account is specified, the service account secret token JWT will be used for authenticating with Vault. If the service account selector is not supplied, the secretRef will be used instead.' }),
            secretRef: s.withOpts(SecretKeySelector, { description: 'Optional secret field containing a Kubernetes ServiceAccount JWT used for authenticating with Vault. If a name is specified without a key, `token` is the default. If one is not specified, the one bound to the controller will be used.' }),
          },
          { required: ['mountPath', 'role'], description: 'Kubernetes authenticates with Vault by passing the ServiceAccount token stored in the named Secret resource to the Vault server.' },
        ),
        ldap: anyAuth('Ldap authenticates with Vault by passing username/password pair using the LDAP authentication method'),
        jwt: anyAuth('Jwt authenticates with Vault by passing role and JWT token using the JWT/OIDC authentication method'),
        cert: anyAuth('Cert authenticates with TLS Certificates by passing client certificate, private key and ca certificate Cert authentication method'),
        iam: anyAuth('Iam authenticates with vault by passing a special AWS request signed with AWS IAM credentials AWS IAM authentication method'),
        userPass: anyAuth('UserPass authenticates with Vault by passing username/password pair'),
        namespace: str('Name of the vault namespace to authenticate to. This can be different than the namespace your secret is in.'),
      },
      { description: 'Auth configures how secret-manager authenticates with the Vault server.' },
    ),
    server: str('Server is the connection address for the Vault server, e.g: "https://vault.example.com:8200".'),
    path: str('Path is the mount path of the Vault KV backend endpoint, e.g: "secret". The v2 KV secret engine version specific "/data" path suffix for fetching secrets from Vault is optional and will be appended if not present in specified path.'),
    version: s.enumOf(['v1', 'v2'], { default: 'v2', description: 'Version is the Vault KV secret engine version. This can be either "v1" or "v2". Version defaults to "v2".' }),
    namespace: str('Name of the vault namespace. Namespaces is a set of features within Vault Enterprise that allows Vault environments to support Secure Multi-tenancy. e.g: "ns1". More about namespaces can be found here https://www.vaultproject.io/docs/enterprise/namespaces'),
    caBundle: s.bytes({ description: 'PEM encoded CA bundle used to validate Vault server certificate. Only used if the Server URL is using HTTPS protocol. This parameter is ignored for plain HTTP protocol connection. If not set the system root certificates are used to validate the TLS connection.' }),
    caProvider: s.object(
      {
        type: s.enumOf(['Secret', 'ConfigMap'], { description: 'The type of provider to use such as "Secret", or "ConfigMap".' }),
        name: str('The name of the object located at the provider type.'),
        key: str('The key where the CA certificate can be found in the Secret or ConfigMap.'),
        namespace: str('The namespace the Provider type is in. Can only be defined when used in a ClusterSecretStore.'),
      },
      { required: ['name', 'type'], description: 'The provider for the CA bundle to use to validate Vault server certificate.' },
    ),
    readYourWrites: s.bool({ description: 'ReadYourWrites ensures isolated read-after-write semantics by providing discovered cluster replication states in each request. More information about eventual consistency in Vault can be found here https://www.vaultproject.io/docs/enterprise/consistency' }),
    forwardInconsistent: s.bool({ description: 'ForwardInconsistent tells Vault to forward read-after-write requests to the Vault leader instead of simply retrying within a loop. This can increase performance if the option is enabled serverside. https://www.vaultproject.io/docs/configuration/replication#allow_forwarding_via_header' }),
    headers: s.map(s.string(), { description: 'Headers to be added in Vault request' }),
    tls: anyAuth('The configuration used for client side related TLS communication, when the Vault server requires mutual authentication. Only used if the Server URL is using HTTPS protocol. This parameter is ignored for plain HTTP protocol connection. It\'s worth noting this configuration is different from the "TLS certificates auth method", which is available under the `auth.cert` section.'),
  },
  { required: ['auth', 'server'], description: 'Vault configures this store to sync secrets using Hashi provider' },
);

const OTHER_PROVIDERS = ['akeyless', 'alibaba', 'aws', 'azurekv', 'beyondtrust', 'bitwardensecretsmanager', 'chef', 'conjur', 'delinea', 'device42', 'doppler', 'fake', 'fortanix', 'gcpsm', 'gitlab', 'ibm', 'infisical', 'keepersecretmanager', 'kubernetes', 'onboardbase', 'onepassword', 'oracle', 'passbolt', 'passworddepot', 'previder', 'pulumi', 'scaleway', 'secretserver', 'senhasegura', 'upcloud', 'webhook', 'yandexcertificatemanager', 'yandexlockbox'];

const SecretStoreProvider = s.object(
  {
    vault: VaultProvider,
    ...Object.fromEntries(OTHER_PROVIDERS.map((p) => [p, s.looseObject({}, { description: `${p} configures this store to sync secrets using that provider` })])),
  },
  { maxProperties: 1, minProperties: 1, description: 'Used to configure the provider. Only one provider may be set' },
);

const storeSpecFields = {
  controller: str('Used to select the correct ESO controller (think: ingress.ingressClassName) The ESO controller is instantiated with a specific controller name and filters ES based on this property'),
  provider: SecretStoreProvider,
  retrySettings: s.object({ maxRetries: s.int32(), retryInterval: s.string() }, { description: 'Used to configure http retries if failed' }),
  refreshInterval: s.int32({ description: 'Used to configure store refresh interval in seconds. Empty or 0 will default to the controller config.' }),
};

const SecretStoreSpec = s.object(
  {
    ...storeSpecFields,
    conditions: s.array(
      s.object({
        namespaceSelector: s.withOpts(LabelSelector, { description: 'Choose namespace using a labelSelector' }),
        namespaces: s.array(s.string(), { description: 'Choose namespaces by name' }),
        namespaceRegexes: s.array(s.string(), { description: 'Choose namespaces by using regex matching' }),
      }),
      { description: 'Used to constraint a ClusterSecretStore to specific namespaces. Relevant only to ClusterSecretStore' },
    ),
  },
  { required: ['provider'], description: 'SecretStoreSpec defines the desired state of SecretStore.' },
);

const SecretStoreStatus = s.object(
  {
    conditions: s.array(s.object({ type: s.string(), status: s.string(), reason: s.string(), message: s.string(), lastTransitionTime: s.dateTime() }, { required: ['status', 'type'] })),
    capabilities: str('SecretStoreCapabilities defines the possible operations a SecretStore can do.'),
  },
  { description: 'SecretStoreStatus defines the observed state of the SecretStore.' },
);

const RemoteRef = s.object(
  {
    key: str('Key is the key used in the Provider, mandatory'),
    metadataPolicy: s.enumOf(['None', 'Fetch'], { default: 'None', description: 'Policy for fetching tags/labels from provider secrets, possible options are Fetch, None. Defaults to None' }),
    property: str('Used to select a specific property of the Provider value (if a map), if supported'),
    version: str('Used to select a specific version of the Provider value, if supported'),
    conversionStrategy: s.enumOf(['Default', 'Unicode'], { default: 'Default', description: 'Used to define a conversion Strategy' }),
    decodingStrategy: s.enumOf(['Auto', 'Base64', 'Base64URL', 'None'], { default: 'None', description: 'Used to define a decoding Strategy' }),
  },
  { required: ['key'], description: 'RemoteRef points to the remote secret and defines which secret (version/property/..) to fetch.' },
);

const SourceRef = s.object(
  {
    storeRef: s.object({ name: objectName('Name of the SecretStore resource'), kind: s.enumOf(['SecretStore', 'ClusterSecretStore'], { description: 'Kind of the SecretStore resource (SecretStore or ClusterSecretStore) Defaults to `SecretStore`' }) }, { description: 'SecretStoreRef defines which SecretStore to fetch the ExternalSecret data.' }),
    generatorRef: s.object({ apiVersion: str('Specify the apiVersion of the generator resource', { default: 'generators.external-secrets.io/v1alpha1' }), kind: str('Specify the Kind of the generator resource'), name: objectName('Specify the name of the generator resource') }, { required: ['kind', 'name'], description: 'GeneratorRef points to a generator custom resource.' }),
  },
  { maxProperties: 1, minProperties: 1, description: 'SourceRef allows you to override the source from which the value will be pulled.' },
);

const ExternalSecretSpec = s.object(
  {
    secretStoreRef: s.object(
      {
        name: objectName('Name of the SecretStore resource'),
        kind: s.enumOf(['SecretStore', 'ClusterSecretStore'], { description: 'Kind of the SecretStore resource (SecretStore or ClusterSecretStore) Defaults to `SecretStore`' }),
      },
      { description: 'SecretStoreRef defines which SecretStore to fetch the ExternalSecret data.' },
    ),
    target: s.object(
      {
        name: objectName('The name of the Secret resource to be managed. Defaults to the .metadata.name of the ExternalSecret resource'),
        creationPolicy: s.enumOf(['Owner', 'Orphan', 'Merge', 'None'], { default: 'Owner', description: 'CreationPolicy defines rules on how to create the resulting Secret. Defaults to "Owner"' }),
        deletionPolicy: s.enumOf(['Delete', 'Merge', 'Retain'], { default: 'Retain', description: 'DeletionPolicy defines rules on how to delete the resulting Secret. Defaults to "Retain"' }),
        template: s.object(
          {
            type: s.string(),
            engineVersion: s.enumOf(['v1', 'v2'], { default: 'v2', description: 'EngineVersion specifies the template engine version that should be used to compile/execute the template specified in .data and .templateFrom[].' }),
            mergePolicy: s.enumOf(['Replace', 'Merge'], { default: 'Replace' }),
            metadata: s.object({ annotations: s.map(s.string()), labels: s.map(s.string()) }, { description: 'ExternalSecretTemplateMetadata defines metadata fields for the Secret blueprint.' }),
            data: s.map(s.string()),
            templateFrom: s.array(s.looseObject({})),
          },
          { description: 'Template defines a blueprint for the created Secret resource.' },
        ),
        immutable: s.bool({ description: 'Immutable defines if the final secret will be immutable' }),
      },
      { default: { creationPolicy: 'Owner', deletionPolicy: 'Retain' }, description: 'ExternalSecretTarget defines the Kubernetes Secret to be created There can be only one target per ExternalSecret.' },
    ),
    refreshInterval: str('RefreshInterval is the amount of time before the values are read again from the SecretStore provider, specified as Golang Duration strings. Valid time units are "ns", "us" (or "µs"), "ms", "s", "m", "h" Example values: "1h", "2h30m", "5d", "10s" May be set to zero to fetch and create it once. Defaults to 1h.', { default: '1h' }),
    data: s.array(
      s.object(
        { secretKey: secretKey('The key in the Kubernetes Secret to store the value.'), remoteRef: RemoteRef, sourceRef: SourceRef },
        { required: ['remoteRef', 'secretKey'], description: 'ExternalSecretData defines the connection between the Kubernetes Secret key (spec.data.<key>) and the Provider data.' },
      ),
      { description: 'Data defines the connection between the Kubernetes Secret keys and the Provider data' },
    ),
    dataFrom: s.array(s.looseObject({}), { description: 'DataFrom is used to fetch all properties from a specific Provider data If multiple entries are specified, the Secret keys are merged in the specified order' }),
  },
  { description: 'ExternalSecretSpec defines the desired state of ExternalSecret.' },
);

const ExternalSecretStatus = s.object(
  {
    refreshTime: s.dateTime({ nullable: true, description: 'refreshTime is the time and date the external secret was fetched and the target secret updated' }),
    syncedResourceVersion: str('SyncedResourceVersion keeps track of the last synced version'),
    conditions: s.array(s.object({ type: s.string(), status: s.string(), reason: s.string(), message: s.string(), lastTransitionTime: s.dateTime() }, { required: ['status', 'type'] })),
    binding: s.object({ name: s.string({ default: '' }) }, { 'x-kubernetes-map-type': 'atomic', description: 'Binding represents a servicebinding.io Provisioned Service reference to the secret' }),
  },
  { description: 'What the controller last observed: when it synced the target Secret, and whether that worked.' },
);

interface KindSpec {
  kind: string;
  plural: string;
  shortNames: string[];
  namespaced: boolean;
  /** The kind's own description (our words; no installed package documents the ESO CRDs). */
  description: string;
  spec: Schema;
  status: Schema;
  columns: PrinterColumn[];
}

function esoKind(k: KindSpec): ResourceDef {
  const schema = kindSchema(`io.external-secrets.${VERSION}.${k.kind}`, { group: GROUP, version: VERSION, kind: k.kind }, { spec: k.spec, status: k.status }, { description: k.description });
  return {
    group: GROUP,
    version: VERSION,
    kind: k.kind,
    plural: k.plural,
    singular: k.kind.toLowerCase(),
    namespaced: k.namespaced,
    shortNames: k.shortNames,
    categories: ['external-secrets'],
    schema,
    subresources: { status: true },
    custom: true,
    strategy: crdStrategy(schema, PRODUCT),
    table: printerColumns(k.columns),
  };
}

const ready = (what: string): PrinterColumn[] => [
  { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
  ...(what === 'store' ? [{ name: 'Capabilities', type: 'string' as const, jsonPath: '.status.capabilities' }] : []),
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
];

export const secretStore = esoKind({
  kind: 'SecretStore',
  description: 'A namespaced connection to an external secret manager (Vault, AWS, GCP, Azure...): which provider, where, and how to authenticate. ExternalSecrets in the same namespace read through it.',
  plural: 'secretstores',
  shortNames: ['ss'],
  namespaced: true,
  spec: SecretStoreSpec,
  status: SecretStoreStatus,
  columns: [{ ...AGE, name: 'AGE' }, ...ready('store')],
});

export const clusterSecretStore = esoKind({
  kind: 'ClusterSecretStore',
  description: 'A cluster-wide SecretStore: a connection to an external secret manager that ExternalSecrets in any (selected) namespace can read through.',
  plural: 'clustersecretstores',
  shortNames: ['css'],
  namespaced: false,
  spec: SecretStoreSpec,
  status: SecretStoreStatus,
  columns: [{ ...AGE, name: 'AGE' }, ...ready('store')],
});

export const externalSecret = esoKind({
  kind: 'ExternalSecret',
  description: 'Names values kept in an external secret manager and the store to read them from; the controller copies them into a Kubernetes Secret and refreshes it periodically.',
  plural: 'externalsecrets',
  shortNames: ['es'],
  namespaced: true,
  spec: ExternalSecretSpec,
  status: ExternalSecretStatus,
  columns: [
    { name: 'StoreType', type: 'string', jsonPath: '.spec.secretStoreRef.kind' },
    { name: 'Store', type: 'string', jsonPath: '.spec.secretStoreRef.name' },
    { name: 'Refresh Interval', type: 'string', jsonPath: '.spec.refreshInterval' },
    ...ready('secret'),
  ],
});

export const resources: ResourceDef[] = [externalSecret, secretStore, clusterSecretStore];
