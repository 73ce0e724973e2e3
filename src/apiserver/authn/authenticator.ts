/**
 * Authentication: turns a request into a user, or says it cannot. Authenticators are tried in order
 * by the apiserver; the first that returns a user wins. Returning `undefined` means "no credentials
 * of my kind here"; throwing ApiError(401) means "credentials present but invalid".
 */
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../../api/types.js';

export interface Authenticator {
  readonly name: string;
  authenticate(req: IncomingMessage): UserInfo | undefined | Promise<UserInfo | undefined>;
}

export const SYSTEM_MASTERS = 'system:masters';
export const SYSTEM_AUTHENTICATED = 'system:authenticated';
