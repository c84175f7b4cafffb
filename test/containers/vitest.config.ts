import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:containers`: the container suite on a real Docker engine (image build, docker-compose
 * with --scale, kill and scale runs). Not part of `npm test` (it needs Docker and takes minutes);
 * .ci/run runs it after `npm test`.
 */
export default defineConfig({
  root: resolve(import.meta.dirname, '../..'),
  test: {
    include: ['test/containers/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 10 * 60_000,
    hookTimeout: 30 * 60_000,
  },
});
