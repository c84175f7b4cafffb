import 'reflect-metadata';
import { ALL_MODULES } from './module.registry.js';
import { runAsMain } from './process.runner.js';

runAsMain(ALL_MODULES);
