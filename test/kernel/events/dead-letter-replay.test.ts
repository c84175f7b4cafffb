import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type HttpClient } from '../../support/http-client.js';
import { EVENTUALLY_MS, startEventSystem, type EventSystem } from '../../support/fixtures/event-system.js';
import { ADMIN } from '../../support/test-system.js';
import { waitFor } from '../../support/wait-for.js';

const BASE = '/api/v1/admin/tally/dead-letters';

/** DESIGN "Events": dead letters are inspectable and replayable through an admin endpoint. */
describe('a dead-lettered event', () => {
  let sys: EventSystem;
  let http: HttpClient;
  let admin: string;
  let customer: string;
  beforeAll(async () => {
    sys = await startEventSystem();
    // Fixture modules (ledger, tally): not the API the committed document describes.
    http = httpClient(sys.url, { contract: false });
    admin = await http.token(ADMIN.email, ADMIN.password);
    customer = (await http.signUp('customer@mercato.test')).token;
  });
  afterAll(() => sys.stop());

  it('can be replayed through the admin endpoint once its cause is fixed', async () => {
    sys.tally.failFor('acc-x');
    sys.tally.failFor('acc-y');
    await sys.ledger.makeEntry('acc-x', 5);
    await sys.ledger.makeEntry('acc-y', 6);
    await waitFor(async () => (await sys.deadLetters()).length === 2, EVENTUALLY_MS, 'two dead letters');

    const listed = await http.get(BASE, { token: admin });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(2);
    const x = listed.body.items.find((l: { subject: string }) => l.subject === 'acc-x');
    const y = listed.body.items.find((l: { subject: string }) => l.subject === 'acc-y');
    expect(x).toMatchObject({
      type: 'ledger.entry-made.v1',
      status: 'pending',
      attempts: 3,
      replayedAt: null,
      reason: expect.stringContaining('tally refuses acc-x'),
    });

    // Still failing: 409, and the letter stays pending with the new attempts counted.
    const failedAgain = await http.post(`${BASE}/${y.id}/replay`, undefined, { token: admin });
    expect(failedAgain.status).toBe(409);
    expect(failedAgain.body).toMatchObject({ status: 409, detail: expect.stringContaining('tally refuses acc-y') });
    const [stillPending] = (await sys.deadLetters()).filter((l) => l.id === y.id);
    expect(stillPending).toMatchObject({ status: 'pending', attempts: 6, replayedAt: null });
    expect(await sys.tallyRows('acc-y')).toEqual([]);

    // Cause fixed: replay applies it, once.
    sys.tally.heal('acc-x');
    const replayed = await http.post(`${BASE}/${x.id}/replay`, undefined, { token: admin });
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ id: x.id, status: 'replayed', replayedAt: expect.any(String) });
    expect(await sys.tallyRows('acc-x')).toEqual([expect.objectContaining({ eventId: x.eventId, amount: 5 })]);
    expect((await sys.inbox()).map((r) => r.eventId)).toEqual([x.eventId]);

    const again = await http.post(`${BASE}/${x.id}/replay`, undefined, { token: admin });
    expect(again.status).toBe(409);
    expect(await sys.tallyRows('acc-x')).toHaveLength(1);

    const pending = await http.get(`${BASE}?status=pending`, { token: admin });
    expect(pending.body.items.map((l: { id: string }) => l.id)).toEqual([y.id]);
    const done = await http.get(`${BASE}?status=replayed`, { token: admin });
    expect(done.body.items.map((l: { id: string }) => l.id)).toEqual([x.id]);
  });

  it('is answered 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await http.post(`${BASE}/01970000-0000-7000-8000-000000000000/replay`, undefined, { token: admin })).status).toBe(404);
    expect((await http.post(`${BASE}/not-a-uuid/replay`, undefined, { token: admin })).status).toBe(400);
  });

  it('is off limits to non-admins', async () => {
    const [letter] = await sys.deadLetters();
    expect(letter).toBeDefined();
    expect((await http.get(BASE, { token: customer })).status).toBe(403);
    expect((await http.post(`${BASE}/${letter!.id}/replay`, undefined, { token: customer })).status).toBe(403);
    expect((await http.get(BASE)).status).toBe(401);
    expect((await http.post(`${BASE}/${letter!.id}/replay`)).status).toBe(401);
    const [after] = (await sys.deadLetters()).filter((l) => l.id === letter!.id);
    expect(after).toMatchObject({ status: letter!.status, attempts: letter!.attempts });
  });
});
