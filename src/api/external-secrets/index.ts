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
    name: str('Name of the Secret.'),
    namespace: str('Namespace of the referenced object; only honoured from a ClusterSecretStore, otherwise the referring object\'s own namespace is used.'),
    key: str('Which entry of the Secret\'s data to read.'),
  },
);
const ServiceAccountSelector = s.object(
  {
    name: str('Name of the ServiceAccount.'),
    namespace: str('Namespace of the referenced object; only honoured from a ClusterSecretStore, otherwise the referring object\'s own namespace is used.'),
    audiences: s.array(s.string(), { description: 'Audiences (`aud` claim) requested for the ServiceAccount token, added to any implied by cloud workload-identity annotations.' }),
  },
  { required: ['name'] },
);
const anyAuth = (description: string): Schema => s.looseObject({}, { description });

const VaultProvider = s.object(
  {
    auth: s.object(
      {
        tokenSecretRef: s.withOpts(SecretKeySelector, { description: 'A Secret key holding a Vault token to log in with.' }),
        appRole: anyAuth('Log in with Vault\'s AppRole method (role ID plus a secret ID kept in a Secret).'),
        kubernetes: s.object(
          {
            mountPath: str('Mount path of Vault\'s Kubernetes auth method ("kubernetes" when unset).', { default: 'kubernetes' }),
            role: str('The Vault role to log in as; Vault maps it to ServiceAccounts and policies.'),
            serviceAccountRef: s.withOpts(ServiceAccountSelector, { description: 'A ServiceAccount whose token is presented to Vault; takes precedence over secretRef.' }),
            secretRef: s.withOpts(SecretKeySelector, { description: 'A Secret holding a ServiceAccount token to present (key `token` by default); without it, the controller\'s own token is used.' }),
          },
          { required: ['mountPath', 'role'], description: 'Log in with Vault\'s Kubernetes method, presenting a ServiceAccount token.' },
        ),
        ldap: anyAuth('Log in with Vault\'s LDAP method (user name and password).'),
        jwt: anyAuth('Log in with Vault\'s JWT/OIDC method (role and token).'),
        cert: anyAuth('Log in with Vault\'s TLS certificate method (client certificate and key).'),
        iam: anyAuth('Log in with Vault\'s AWS IAM method (a request signed with AWS credentials).'),
        userPass: anyAuth('Log in with Vault\'s userpass method (user name and password).'),
        namespace: str('Vault namespace to log in to, when it differs from the one secrets are read from.'),
      },
      { description: 'How the controller logs in to Vault; set one method.' },
    ),
    server: str('URL of the Vault server, e.g. https://vault.example.com:8200.'),
    path: str('Mount path of the KV secrets engine, e.g. "secret" (the KV v2 "/data" segment is added when missing).'),
    version: s.enumOf(['v1', 'v2'], { default: 'v2', description: 'KV secrets engine version: v1, or v2 (when unset).' }),
    namespace: str('Vault Enterprise namespace to read secrets from, e.g. "ns1".'),
    caBundle: s.bytes({ description: 'PEM CA certificates trusted for an https server (the system roots when unset).' }),
    caProvider: s.object(
      {
        type: s.enumOf(['Secret', 'ConfigMap'], { description: 'Whether the CA certificates are in a Secret or a ConfigMap.' }),
        name: str('Name of that Secret or ConfigMap.'),
        key: str('The data key holding the CA certificates.'),
        namespace: str('Namespace of that Secret or ConfigMap; allowed only in a ClusterSecretStore.'),
      },
      { required: ['name', 'type'], description: 'A Secret or ConfigMap holding the CA certificates trusted for the server, instead of caBundle.' },
    ),
    readYourWrites: s.bool({ description: 'Send the replication state seen so far with each request, so reads see this client\'s earlier writes (Vault Enterprise).' }),
    forwardInconsistent: s.bool({ description: 'Ask Vault to hand reads it cannot yet serve consistently to the leader, rather than the client retrying.' }),
    headers: s.map(s.string(), { description: 'Extra HTTP headers sent with every Vault request.' }),
    tls: anyAuth('Client certificate and key for servers that require mutual TLS (transport only; logging in with a certificate is auth.cert).'),
  },
  { required: ['auth', 'server'], description: 'Read secrets from HashiCorp Vault.' },
);

const OTHER_PROVIDERS = ['akeyless', 'alibaba', 'aws', 'azurekv', 'beyondtrust', 'bitwardensecretsmanager', 'chef', 'conjur', 'delinea', 'device42', 'doppler', 'fake', 'fortanix', 'gcpsm', 'gitlab', 'ibm', 'infisical', 'keepersecretmanager', 'kubernetes', 'onboardbase', 'onepassword', 'oracle', 'passbolt', 'passworddepot', 'previder', 'pulumi', 'scaleway', 'secretserver', 'senhasegura', 'upcloud', 'webhook', 'yandexcertificatemanager', 'yandexlockbox'];

const SecretStoreProvider = s.object(
  {
    vault: VaultProvider,
    ...Object.fromEntries(OTHER_PROVIDERS.map((p) => [p, s.looseObject({}, { description: `Read secrets from the ${p} provider (kept as given).` })])),
  },
  { maxProperties: 1, minProperties: 1, description: 'The secret manager to read from; exactly one provider is set.' },
);

const storeSpecFields = {
  controller: str('Which controller instance handles this store, for clusters running several (like an ingress class).'),
  provider: SecretStoreProvider,
  retrySettings: s.object({ maxRetries: s.int32(), retryInterval: s.string() }, { description: 'How often and how long apart failed provider calls are retried.' }),
  refreshInterval: s.int32({ description: 'Seconds between checks of the store; 0 or unset uses the controller\'s setting.' }),
};

const SecretStoreSpec = s.object(
  {
    ...storeSpecFields,
    conditions: s.array(
      s.object({
        namespaceSelector: s.withOpts(LabelSelector, { description: 'Namespaces whose labels match.' }),
        namespaces: s.array(s.string(), { description: 'Namespaces listed by name.' }),
        namespaceRegexes: s.array(s.string(), { description: 'Namespaces whose names match one of these regular expressions.' }),
      }),
      { description: 'Limits which namespaces may use a ClusterSecretStore; ignored on a SecretStore.' },
    ),
  },
  { required: ['provider'], description: 'The provider the store reads from and how the controller uses it.' },
);

const SecretStoreStatus = s.object(
  {
    conditions: s.array(s.object({ type: s.string(), status: s.string(), reason: s.string(), message: s.string(), lastTransitionTime: s.dateTime() }, { required: ['status', 'type'] })),
    capabilities: str('What the store supports: ReadOnly, WriteOnly or ReadWrite.'),
  },
  { description: 'Whether the controller could reach the provider, and what the store supports.' },
);

const RemoteRef = s.object(
  {
    key: str('The secret\'s name or path in the provider.'),
    metadataPolicy: s.enumOf(['None', 'Fetch'], { default: 'None', description: 'Fetch to read the secret\'s tags or labels instead of its value; None (when unset) reads the value.' }),
    property: str('One property of a structured provider value, where the provider supports it.'),
    version: str('A particular version of the value, where the provider supports it.'),
    conversionStrategy: s.enumOf(['Default', 'Unicode'], { default: 'Default', description: 'How the value is converted before it is stored (Default keeps it as is).' }),
    decodingStrategy: s.enumOf(['Auto', 'Base64', 'Base64URL', 'None'], { default: 'None', description: 'How the value is decoded before it is stored: base64 variants, Auto, or None (when unset).' }),
  },
  { required: ['key'], description: 'Which value to read from the provider (key, property, version).' },
);

const SourceRef = s.object(
  {
    storeRef: s.object({ name: objectName('Name of the store.'), kind: s.enumOf(['SecretStore', 'ClusterSecretStore'], { description: 'SecretStore (when unset) or ClusterSecretStore.' }) }, { description: 'The store values are read from.' }),
    generatorRef: s.object({ apiVersion: str('API version of the generator.', { default: 'generators.external-secrets.io/v1alpha1' }), kind: str('Kind of the generator.'), name: objectName('Name of the generator.') }, { required: ['kind', 'name'], description: 'A generator object that produces the value instead of a store.' }),
  },
  { maxProperties: 1, minProperties: 1, description: 'Read this entry from another store or a generator instead of spec.secretStoreRef.' },
);

const ExternalSecretSpec = s.object(
  {
    secretStoreRef: s.object(
      {
        name: objectName('Name of the store.'),
        kind: s.enumOf(['SecretStore', 'ClusterSecretStore'], { description: 'SecretStore (when unset) or ClusterSecretStore.' }),
      },
      { description: 'The store values are read from.' },
    ),
    target: s.object(
      {
        name: objectName('Name of the Secret to write (the ExternalSecret\'s own name when unset).'),
        creationPolicy: s.enumOf(['Owner', 'Orphan', 'Merge', 'None'], { default: 'Owner', description: 'Whether and how the Secret is created and owned: Owner (when unset), Orphan, Merge or None.' }),
        deletionPolicy: s.enumOf(['Delete', 'Merge', 'Retain'], { default: 'Retain', description: 'What happens to the Secret when provider values disappear: Retain (when unset), Delete or Merge.' }),
        template: s.object(
          {
            type: s.string(),
            engineVersion: s.enumOf(['v1', 'v2'], { default: 'v2', description: 'Template language version used for data and templateFrom (v2 when unset).' }),
            mergePolicy: s.enumOf(['Replace', 'Merge'], { default: 'Replace' }),
            metadata: s.object({ annotations: s.map(s.string()), labels: s.map(s.string()) }, { description: 'Labels and annotations given to the Secret.' }),
            data: s.map(s.string()),
            templateFrom: s.array(s.looseObject({})),
          },
          { description: 'Shapes the written Secret: type, metadata, and data computed from the fetched values.' },
        ),
        immutable: s.bool({ description: 'Makes the written Secret immutable when true.' }),
      },
      { default: { creationPolicy: 'Owner', deletionPolicy: 'Retain' }, description: 'The Secret the fetched values are written to.' },
    ),
    refreshInterval: str('How often the values are fetched again, as a Go duration such as 30m (1h when unset; 0 fetches once).', { default: '1h' }),
    data: s.array(
      s.object(
        { secretKey: secretKey('The data key the value is written under.'), remoteRef: RemoteRef, sourceRef: SourceRef },
        { required: ['remoteRef', 'secretKey'], description: 'One provider value and the Secret key it goes to.' },
      ),
      { description: 'Provider values to copy, one Secret key each.' },
    ),
    dataFrom: s.array(s.looseObject({}), { description: 'Provider values whose every property becomes a Secret key; later entries override earlier ones.' }),
  },
  { description: 'What to fetch, from which store, into which Secret, and how often.' },
);

const ExternalSecretStatus = s.object(
  {
    refreshTime: s.dateTime({ nullable: true, description: 'When the values were last fetched and the Secret written.' }),
    syncedResourceVersion: str('The object version the controller last synced from.'),
    conditions: s.array(s.object({ type: s.string(), status: s.string(), reason: s.string(), message: s.string(), lastTransitionTime: s.dateTime() }, { required: ['status', 'type'] })),
    binding: s.object({ name: s.string({ default: '' }) }, { 'x-kubernetes-map-type': 'atomic', description: 'The written Secret\'s name, for servicebinding.io consumers.' }),
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
