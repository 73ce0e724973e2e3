/**
 * authentication.k8s.io/v1 SelfSubjectReview and TokenReview: create-only kinds answered by the
 * apiserver (src/apiserver/authz/reviews.ts), never stored. Pure.
 */
import type { KubeObject, ResourceDef } from '../../types.js';
import { s } from '../../schema/index.js';
import { kindSchema } from '../../meta/v1.js';

const P = 'io.k8s.api.authentication.v1';
const gvk = (kind: string) => ({ group: 'authentication.k8s.io', version: 'v1', kind });

export interface V1UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}
export interface V1SelfSubjectReview extends KubeObject {
  status?: { userInfo?: V1UserInfo };
}
export interface V1TokenReview extends KubeObject {
  spec?: { token?: string; audiences?: string[] };
  status?: { authenticated?: boolean; user?: V1UserInfo; audiences?: string[]; error?: string };
}

const UserInfoSchema = s.object(
  {
    username: s.string(),
    uid: s.string(),
    groups: s.array(s.string(), { listType: 'atomic' }),
    extra: s.map(s.array(s.string())),
  },
  { id: `${P}.UserInfo` },
);

export const SelfSubjectReviewSchema = kindSchema(
  `${P}.SelfSubjectReview`,
  gvk('SelfSubjectReview'),
  { status: s.object({ userInfo: UserInfoSchema }, { id: `${P}.SelfSubjectReviewStatus` }) },
);

export const TokenReviewSchema = kindSchema(
  `${P}.TokenReview`,
  gvk('TokenReview'),
  {
    spec: s.object(
      {
        token: s.string(),
        audiences: s.array(s.string(), { listType: 'atomic' }),
      },
      { id: `${P}.TokenReviewSpec` },
    ),
    status: s.object(
      {
        authenticated: s.bool(),
        user: UserInfoSchema,
        audiences: s.array(s.string(), { listType: 'atomic' }),
        error: s.string(),
      },
      { id: `${P}.TokenReviewStatus` },
    ),
  },
  { required: ['spec'] },
);

const review = (kind: string, plural: string, schema: ResourceDef['schema']): ResourceDef => ({
  group: 'authentication.k8s.io',
  version: 'v1',
  kind,
  plural,
  singular: plural.replace(/s$/, ''),
  namespaced: false,
  verbs: ['create'],
  schema,
  generation: false,
});

export const selfSubjectReviewResource = review('SelfSubjectReview', 'selfsubjectreviews', SelfSubjectReviewSchema);
export const tokenReviewResource = review('TokenReview', 'tokenreviews', TokenReviewSchema);
export const resources: ResourceDef[] = [selfSubjectReviewResource, tokenReviewResource];
