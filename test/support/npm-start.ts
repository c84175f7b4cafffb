/**
 * What `npm start` (package.json) gives the node process besides its script: the benches and the
 * split tests that start Mercato as an operator would add the same.
 */
/** V8's young generation at 4 MiB per semi-space (~40 MiB less RSS under load). */
export const NPM_START_NODE_FLAGS = ['--max-semi-space-size=4'];
/** glibc would otherwise keep scrypt's 16 MiB buffers after each password hash. */
export const NPM_START_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' };
