/**
 * authentication.k8s.io/v1beta1 SelfSubjectReview: defined, and its protobuf message registered
 * (src/api/protobuf), but not served, as upstream: kube-apiserver lists authentication.k8s.io/v1beta1
 * in betaAPIGroupVersionsDisabledByDefault (KEP-3136, beta APIs off by default), so a 1.32 server
 * answers 404 there unless --runtime-config enables it. kubectl 1.27's `auth whoami` (v1beta1, then
 * v1alpha1) therefore prints upstream's "the selfsubjectreviews API is not enabled in the cluster"
 * against it (test/e2e/auth-gaps.test.ts). Serving it is one line in builtinResources() once a
 * runtime-config switch exists. Same fields as v1. Pure.
 */
import type { ResourceDef } from '../../types.js';
import { s } from '../../schema/index.js';
import { kindSchema } from '../../meta/v1.js';

const P = 'io.k8s.api.authentication.v1beta1';

const UserInfoSchema = s.object(
  {
    username: s.string(),
    uid: s.string(),
    groups: s.array(s.string(), { listType: 'atomic' }),
    extra: s.map(s.array(s.string())),
  },
  { id: 'io.k8s.api.authentication.v1.UserInfo' },
);

export const SelfSubjectReviewV1beta1Schema = kindSchema(
  `${P}.SelfSubjectReview`,
  { group: 'authentication.k8s.io', version: 'v1beta1', kind: 'SelfSubjectReview' },
  {
    status: s.object(
      { userInfo: s.withOpts(UserInfoSchema, { description: 'Who the server takes the requesting client to be.' }) },
      { id: `${P}.SelfSubjectReviewStatus`, description: 'Filled in by the server: the identity it authenticated for the request.' },
    ),
  },
  // Our own words: the kubernetes-models package has no authentication.k8s.io/v1beta1 text.
  { description: 'Asks the server who it thinks the caller is; the answer is in status (beta version of authentication.k8s.io/v1 SelfSubjectReview).' },
);

export const selfSubjectReviewV1beta1Resource: ResourceDef = {
  group: 'authentication.k8s.io',
  version: 'v1beta1',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  namespaced: false,
  verbs: ['create'],
  schema: SelfSubjectReviewV1beta1Schema,
  generation: false,
};

export const resources: ResourceDef[] = [selfSubjectReviewV1beta1Resource];
