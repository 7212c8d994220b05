import { memoryAppSuites } from './suites.js';

memoryAppSuites('pglite');
