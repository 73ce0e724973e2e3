/**
 * Wiring of the ServiceAccount controller (a `default` account in every live namespace, recreated
 * when deleted) and the token controller (fills service-account-token Secrets), upstream
 * pkg/controller/serviceaccount.
 *
 * Level-triggered: handlers only enqueue keys (a namespace name; a secret's `namespace/name`);
 * sync re-reads from the informer caches, treats not-found as deleted, and throws on failure so
 * the queue retries with backoff. Both are harmless to run twice: creates tolerate AlreadyExists,
 * secret writes carry the cached resourceVersion and deletes a uid precondition.
 */
import { R, type Client } from '../../client/types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import type { KubeObject } from '../../api/types.js';
import type { Controller, ControllerContext } from '../context.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import {
  DEFAULT_SERVICE_ACCOUNTS,
  SA_NAME_ANNOTATION,
  SA_UID_ANNOTATION,
  isTokenSecret,
  reconcileServiceAccounts,
  reconcileTokenSecret,
  type NamespaceView,
  type SecretView,
  type TokenSigner,
} from './reconcile.js';

export const SERVICE_ACCOUNT_COMPONENT = 'serviceaccount-controller';
export const TOKENS_COMPONENT = 'serviceaccount-token-controller';

export interface ServiceAccountsControllerOptions {
  newQueue: (name: string) => WorkQueue;
  /** Accounts every namespace gets (default ['default']). */
  managed?: readonly string[];
  workers?: number;
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export class ServiceAccountsController implements Controller {
  readonly name = SERVICE_ACCOUNT_COMPONENT;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private namespaces!: Informer<NamespaceView>;
  private accounts!: Informer;
  private logger!: Logger;

  constructor(private readonly opts: ServiceAccountsControllerOptions) {}

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.logger = ctx.logger.child(SERVICE_ACCOUNT_COMPONENT);
    const queue = (this.queue = this.opts.newQueue(SERVICE_ACCOUNT_COMPONENT));
    this.namespaces = ctx.informers.for<NamespaceView>(R.namespaces);
    this.accounts = ctx.informers.for(R.serviceaccounts);
    this.namespaces.addHandlers({ add: (n) => queue.add(n.metadata.name ?? ''), update: (_o, n) => queue.add(n.metadata.name ?? '') });
    this.accounts.addHandlers({ delete: (sa) => queue.add(sa.metadata.namespace ?? '') });
    await Promise.all([this.namespaces.start(), this.accounts.start()]);
    queue.run(this.opts.workers ?? 1, (ns) => this.sync(ns));
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }

  /** Ensures the managed accounts of one namespace. Idempotent; throws to be retried. */
  async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get('', namespace);
    const existing = new Set(this.accounts.list(namespace).map((sa) => sa.metadata.name ?? ''));
    for (const a of reconcileServiceAccounts(ns, existing, this.opts.managed ?? DEFAULT_SERVICE_ACCOUNTS)) {
      try {
        await this.client.create(R.serviceaccounts, a.namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: a.name, namespace: a.namespace } });
        this.logger.v(2).info('created service account', { serviceAccount: `${a.namespace}/${a.name}` });
      } catch (e) {
        if (isApiError(e) && e.reason === 'AlreadyExists') continue;
        // The namespace started terminating (or vanished) since the cache saw it.
        if (isApiError(e) && (e.reason === 'Forbidden' || e.reason === 'NotFound')) continue;
        throw e;
      }
    }
  }
}

export interface TokensControllerOptions {
  newQueue: (name: string) => WorkQueue;
  /** Signs token claims; see reconcile.ts TokenSigner (createJwtSigner in jwt.ts signs with a key). */
  sign: TokenSigner;
  /** PEM of the cluster CA, written to each token secret's `ca.crt`. */
  caPem?: string;
  workers?: number;
}

const SA_INDEX = 'serviceAccountName';

export class TokensController implements Controller {
  readonly name = TOKENS_COMPONENT;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private secrets!: Informer<SecretView>;
  private accounts!: Informer;
  private logger!: Logger;

  constructor(private readonly opts: TokensControllerOptions) {}

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.logger = ctx.logger.child(TOKENS_COMPONENT);
    const queue = (this.queue = this.opts.newQueue(TOKENS_COMPONENT));
    this.secrets = ctx.informers.for<SecretView>(R.secrets);
    this.accounts = ctx.informers.for(R.serviceaccounts);
    this.secrets.addIndex(SA_INDEX, (s) => (isTokenSecret(s) ? [`${s.metadata.namespace ?? ''}/${s.metadata.annotations![SA_NAME_ANNOTATION]!}`] : []));
    const secretChanged = (s: SecretView) => isTokenSecret(s) && queue.add(keyOf(s));
    this.secrets.addHandlers({ add: secretChanged, update: (_o, s) => secretChanged(s) });
    const accountChanged = (sa: KubeObject) => {
      for (const s of this.secrets.byIndex(SA_INDEX, keyOf(sa))) queue.add(keyOf(s));
    };
    this.accounts.addHandlers({ add: accountChanged, update: (_o, sa) => accountChanged(sa), delete: accountChanged });
    await Promise.all([this.secrets.start(), this.accounts.start()]);
    queue.run(this.opts.workers ?? 1, (key) => this.sync(key));
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }

  /** Fills or deletes one token secret. Idempotent; throws to be retried (Conflict included). */
  async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const secret = this.secrets.get(ns, name);
    if (!secret) return;
    const saName = secret.metadata.annotations?.[SA_NAME_ANNOTATION] ?? '';
    const action = reconcileTokenSecret(secret, this.accounts.get(ns, saName), { caPem: this.opts.caPem, sign: this.opts.sign });
    switch (action.type) {
      case 'none':
        return;
      case 'update':
        await this.client.update(R.secrets, ns, action.secret);
        this.logger.v(2).info('filled service account token', { secret: key });
        return;
      case 'delete':
        {
          // A fresh read guards against a cache that has not seen the account yet.
          const live = await this.client.get(R.serviceaccounts, ns, saName).catch((e: unknown) => {
            if (isApiError(e) && e.reason === 'NotFound') return undefined;
            throw e;
          });
          const want = secret.metadata.annotations?.[SA_UID_ANNOTATION];
          if (live && !live.metadata.deletionTimestamp && (!want || live.metadata.uid === want)) throw new Error(`service account ${ns}/${saName} exists but is not cached yet`);
        }
        try {
          await this.client.delete(R.secrets, ns, name, { preconditions: { uid: action.uid } });
          this.logger.v(2).info('deleted token of a missing service account', { secret: key });
        } catch (e) {
          if (!(isApiError(e) && (e.reason === 'NotFound' || e.reason === 'Conflict'))) throw e;
        }
    }
  }
}

export function newServiceAccountsController(opts: ServiceAccountsControllerOptions): ServiceAccountsController {
  return new ServiceAccountsController(opts);
}

export function newTokensController(opts: TokensControllerOptions): TokensController {
  return new TokensController(opts);
}

/** Alias of newServiceAccountsController (the name the controller manager uses). */
export const newServiceAccountController = newServiceAccountsController;
