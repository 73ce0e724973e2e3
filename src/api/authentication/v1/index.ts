export * from './token-request.js';
export * from './reviews.js';
