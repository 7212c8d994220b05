import { memoryAppSuites } from './suites.js';

memoryAppSuites('postgres');
