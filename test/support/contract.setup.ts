import { afterAll, afterEach } from 'vitest';
import { takeRecordedResponses } from './contract-recorder.js';

/**
 * The HTTP contract test, for every test file: after each test (and after the file's own
 * afterAll hooks), every answer the test's HTTP clients received must be described by
 * api/openapi.json for its route and status.
 */
async function assertDescribed(): Promise<void> {
  const responses = takeRecordedResponses();
  if (responses.length === 0) return;
  const { responseViolations } = await import('./contract.js');
  const violations = responseViolations(responses);
  if (violations.length > 0) throw new Error(`Answers that api/openapi.json does not describe:\n  - ${violations.join('\n  - ')}`);
}

afterEach(assertDescribed);
afterAll(assertDescribed);
