import type { DurableApp } from '../index.js';
import { memoryApp } from './memory/index.js';

/** What `durable-mcp serve` runs without --app: the memory server this project started from. */
export const defaultApp: DurableApp = memoryApp;
