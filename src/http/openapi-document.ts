// The OpenAPI document without a running server: the app is assembled on an in-memory SQLite
// database (nothing is listened on or scraped) and asked for its document, which depends only on
// the routes. Used by `dealerscope openapi` (lint, client generation) and by tests.
import { loadConfig } from '../config/index.js';
import { openDb } from '../storage/index.js';
import { buildApp } from './app.js';
import { createContext } from './service.js';

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({
    DEALERSCOPE_ENV: 'development',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'sqlite::memory:',
    // Any token will do: the document names the scheme, never the secret.
    ADMIN_TOKEN: 'openapi-document-only-token',
    CURSOR_SECRET: 'openapi-document-only-cursor-secret',
  });
  const db = openDb(config.databaseUrl);
  const ctx = await createContext(config, { db });
  const app = await buildApp(ctx, { logger: false });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await db.close();
  }
}
