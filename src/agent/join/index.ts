/** Joining a node to a cluster with a join token (see join.ts and README.md). */
export {
  joinCluster,
  joinPaths,
  httpsJoinFetch,
  JoinError,
  type JoinErrorReason,
  type JoinOptions,
  type JoinResult,
  type JoinFetch,
  type JoinHttpRequest,
  type JoinHttpResponse,
} from './join.js';
