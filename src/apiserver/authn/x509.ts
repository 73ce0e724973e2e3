/**
 * Client-certificate authentication, as kube-apiserver's x509 authenticator: the TLS layer verifies
 * the peer certificate against the cluster CA (https server with `requestCert: true,
 * rejectUnauthorized: false, ca: [clusterCA]`), and this authenticator turns a verified certificate
 * into a user: username = subject CN, groups = every subject O value, plus `system:authenticated`.
 *
 * Outcomes per request:
 * - no TLS, or no client certificate presented → `undefined` (other authenticators may try; if none
 *   does, the apiserver answers 401 because anonymous access is off);
 * - a certificate that failed TLS verification, or lacks the clientAuth extended key usage →
 *   throws ApiError 401 (credentials present but invalid);
 * - a verified certificate with an empty CN → `undefined` (upstream does the same).
 *
 * The result is cached per TLS connection, so keep-alive requests do not re-parse the certificate.
 */
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { UserInfo } from '../../api/types.js';
import { ApiError } from '../../lib/errors.js';
import type { Authenticator } from './authenticator.js';
import { SYSTEM_AUTHENTICATED } from './authenticator.js';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

type Outcome = { user: UserInfo | undefined } | { error: string };

export function createX509Authenticator(): Authenticator {
  const cache = new WeakMap<TLSSocket, Outcome>();
  return {
    name: 'x509',
    authenticate(req: IncomingMessage): UserInfo | undefined {
      const socket = req.socket;
      if (!(socket instanceof TLSSocket)) return undefined;
      let outcome = cache.get(socket);
      if (!outcome) {
        outcome = inspect(socket);
        cache.set(socket, outcome);
      }
      if ('error' in outcome) {
        throw new ApiError('Unauthorized', 401, 'Unauthorized', undefined, { cause: new Error(outcome.error) });
      }
      return outcome.user;
    },
  };
}

function inspect(socket: TLSSocket): Outcome {
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return { user: undefined };
  if (!socket.authorized) return { error: `x509: ${String(socket.authorizationError ?? 'certificate not verified')}` };
  const eku = peer.ext_key_usage ?? [];
  if (!eku.includes(CLIENT_AUTH_OID)) return { error: 'x509: certificate specifies an incompatible key usage' };
  const cn = firstValue(peer.subject?.CN);
  if (!cn) return { user: undefined };
  const groups = [...new Set([...allValues(peer.subject?.O), SYSTEM_AUTHENTICATED])];
  return { user: { username: cn, groups } };
}

/** Node gives a repeated subject attribute as an array, a single one as a string. */
function allValues(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function firstValue(v: string | string[] | undefined): string | undefined {
  return allValues(v)[0];
}
