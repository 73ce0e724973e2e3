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
    username: s.string({ description: 'The name that uniquely identifies this user among all active users.' }),
    uid: s.string({ description: 'A unique value that identifies this user across time.' }),
    groups: s.array(s.string(), { listType: 'atomic', description: 'The names of groups this user is a part of.' }),
    extra: s.map(s.array(s.string()), { description: 'Any additional information provided by the authenticator.' }),
  },
  { id: 'io.k8s.api.authentication.v1.UserInfo', description: 'UserInfo holds the information about the user needed to implement the user.Info interface.' },
);

export const SelfSubjectReviewV1beta1Schema = kindSchema(
  `${P}.SelfSubjectReview`,
  { group: 'authentication.k8s.io', version: 'v1beta1', kind: 'SelfSubjectReview' },
  { status: s.object({ userInfo: UserInfoSchema }, { id: `${P}.SelfSubjectReviewStatus` }) },
  { description: 'SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request.' },
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
