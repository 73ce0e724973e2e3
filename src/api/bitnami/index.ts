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
        data: s.map(s.string(), { nullable: true, description: 'Templated values for the created Secret, which may refer to the decrypted keys.' }),
      },
      { description: 'Shape of the Secret the controller creates when it unseals this object.' },
    ),
    data: s.bytes({ description: 'Obsolete single encrypted blob; use encryptedData, which encrypts each value on its own.' }),
    encryptedData: { ...s.map(s.string()), 'x-kubernetes-preserve-unknown-fields': true },
  },
  { required: ['encryptedData'], description: 'The encrypted values and the template of the Secret to create from them.' },
);

export const SealedSecretStatus = s.object(
  {
    observedGeneration: s.int64({ description: 'The generation of this object the controller last acted on.' }),
    conditions: s.array(
      s.object(
        {
          type: s.string({ description: 'The kind of condition; the controller writes Synced.' }),
          status: s.string({ description: 'True, False or Unknown.' }),
          lastTransitionTime: s.dateTime({ description: 'When the condition last changed status.' }),
          lastUpdateTime: s.dateTime({ description: 'When the condition was last written.' }),
          reason: s.string({ description: 'A short machine-readable cause of the last status change.' }),
          message: s.string({ description: 'Details of the last status change, for people.' }),
        },
        { required: ['status', 'type'] },
      ),
      { description: 'What the controller last observed while unsealing this object.' },
    ),
  },
  { description: 'What the controller last reported about this object.' },
);

const schema = kindSchema('com.bitnami.v1alpha1.SealedSecret', { group: 'bitnami.com', version: 'v1alpha1', kind: 'SealedSecret' }, { spec: SealedSecretSpec, status: SealedSecretStatus }, {
  required: ['spec'],
  description: 'A Secret encrypted with the controller\'s public key, safe to store in git; the controller decrypts it into a regular Secret in the cluster.',
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
