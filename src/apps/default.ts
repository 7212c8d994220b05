import type { DurableApp } from '../runtime/app.js';
import { exampleApp } from './example/index.js';

/** What `durable-mcp serve` runs without --app. */
export const defaultApp: DurableApp = exampleApp;
