export * from './token-request.js';
