// The dealer pages' public module: the server-rendered workspace (list, opportunity, searches,
// watchlist, sign-in) as Fastify plugins.
export { dealerPage } from './page.js';
export { workspacePages } from './workspace-pages.js';
