/**
 * bitnami.com/v1alpha1 SealedSecret, built in and served as the sealed-secrets CRD serves it
 * (schema, status subresource, Status/Synced/Age printer columns). Unsealing needs the
 * sealed-secrets controller's private key, which Flotilla does not have: objects are stored and
 * served. `encryptedData` values are opaque strings (the seed's are not even base64), as upstream.
 */
import type { ResourceDef } from '../types.js';
import { s } from '../schema/index.js';
import { kindSchema } from '../meta/v1.js';
import { AGE, crdStrategy, printerColumns } from '../seed-groups/crd-kind.js';

const labels = s.map(s.string());

export const SealedSecretSpec = s.object(
  {
    template: s.object(
      {
        metadata: s.looseObject(
          { name: s.string(), namespace: s.string(), labels, annotations: labels, finalizers: s.array(s.string()) },
          { nullable: true, description: 'Metadata given to the Secret the controller creates.' },
        ),
        type: s.string({ description: 'The type of the Secret the controller creates.' }),
        immutable: s.bool({ description: 'Makes the created Secret immutable when true.' }),
        data: s.map(s.string(), { nullable: true, description: 'Keys that should be templated using decrypted data.' }),
      },
      { description: 'Template defines the structure of the Secret that will be created from this sealed secret.' },
    ),
    data: s.bytes({ description: 'Data is deprecated and will be removed eventually. Use per-value EncryptedData instead.' }),
    encryptedData: { ...s.map(s.string()), 'x-kubernetes-preserve-unknown-fields': true },
  },
  { required: ['encryptedData'], description: 'SealedSecretSpec is the specification of a SealedSecret.' },
);

export const SealedSecretStatus = s.object(
  {
    observedGeneration: s.int64({ description: 'ObservedGeneration reflects the generation most recently observed by the sealed-secrets controller.' }),
    conditions: s.array(
      s.object(
        {
          type: s.string({ description: 'Type of condition for a sealed secret. Valid value: "Synced"' }),
          status: s.string({ description: 'Status of the condition for a sealed secret. Valid values for "Synced": "True", "False", or "Unknown".' }),
          lastTransitionTime: s.dateTime({ description: 'When the condition last changed status.' }),
          lastUpdateTime: s.dateTime({ description: 'When the condition was last written.' }),
          reason: s.string({ description: 'A short machine-readable cause of the last status change.' }),
          message: s.string({ description: 'Details of the last status change, for people.' }),
        },
        { required: ['status', 'type'] },
      ),
      { description: 'Represents the latest available observations of a sealed secret\'s current state.' },
    ),
  },
  { description: 'SealedSecretStatus is the most recently observed status of the SealedSecret.' },
);

const schema = kindSchema('com.bitnami.v1alpha1.SealedSecret', { group: 'bitnami.com', version: 'v1alpha1', kind: 'SealedSecret' }, { spec: SealedSecretSpec, status: SealedSecretStatus }, {
  required: ['spec'],
  description: 'SealedSecret is the K8s representation of a "sealed Secret" - a regular k8s Secret that has been sealed (encrypted) using the controller\'s key.',
});

export const sealedSecret: ResourceDef = {
  group: 'bitnami.com',
  version: 'v1alpha1',
  kind: 'SealedSecret',
  plural: 'sealedsecrets',
  singular: 'sealedsecret',
  namespaced: true,
  schema,
  subresources: { status: true },
  custom: true,
  strategy: crdStrategy(schema, 'sealed-secrets'),
  table: printerColumns([
    { name: 'Status', type: 'string', jsonPath: '.status.conditions[0].message' },
    { name: 'Synced', type: 'string', jsonPath: '.status.conditions[0].status' },
    AGE,
  ]),
};

export const resources: ResourceDef[] = [sealedSecret];
