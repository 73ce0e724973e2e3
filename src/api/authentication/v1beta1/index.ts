/**
 * authentication.k8s.io/v1beta1 SelfSubjectReview, still served (as upstream, where it is
 * deprecated in favour of v1): kubectl 1.27's `auth whoami` only knows v1beta1/v1alpha1. Same
 * fields as v1; answered by the same handler. Pure.
 *
 * Not in builtinResources() yet: every served kind needs its protobuf message first
 * (src/api/protobuf: package k8s.io.api.authentication.v1beta1, SelfSubjectReview{metadata=1,
 * status=2}, SelfSubjectReviewStatus{userInfo=1 of k8s.io.api.authentication.v1.UserInfo}).
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
