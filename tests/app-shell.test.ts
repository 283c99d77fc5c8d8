import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loader as indexLoader } from '../app/routes/_index';
import { loader as healthLoader } from '../app/routes/healthz';
import { loader as reviewLoader } from '../app/routes/review._index';
import { loader as adminLoader } from '../app/routes/admin._index';
import { loader as myTeamLoader } from '../app/routes/my-team._index';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createArea, createTeam, createUser, sessionHeaders } from './helpers/factories';

let test: TestDatabase;
beforeAll(async () => {
  test = await useTestDatabase();
});
afterAll(() => test.destroy());

describe('the app shell', () => {
  it('GET /healthz says the database is up', async () => {
    const response = (await healthLoader()) as Response;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', database: 'up' });
  });

  it('sends each role to its own start page, and visitors to the login page', async () => {
    const area = await createArea(test.db);
    const team = await createTeam(test.db, area.id);
    const cases = [
      [await createUser(test.db, 'admin'), '/admin'],
      [await createUser(test.db, 'reviewer', { areaId: area.id }), '/review'],
      [await createUser(test.db, 'manager', { teamId: team.id }), '/my-team'],
    ] as const;
    for (const [user, start] of cases) {
      const response = (await callRoute(indexLoader, '/', { headers: await sessionHeaders(test.db, user) })) as Response;
      expect(response.headers.get('Location')).toBe(start);
    }
    const anonymous = (await callRoute(indexLoader, '/')) as Response;
    expect(anonymous.headers.get('Location')).toBe('/login');
  });

  it('refuses pages a role never allows with 403', async () => {
    const area = await createArea(test.db);
    const team = await createTeam(test.db, area.id);
    const manager = await sessionHeaders(test.db, await createUser(test.db, 'manager', { teamId: team.id }));
    const reviewer = await sessionHeaders(test.db, await createUser(test.db, 'reviewer'));
    expect(((await callRoute(reviewLoader, '/review', { headers: manager })) as Response).status).toBe(403);
    expect(((await callRoute(adminLoader, '/admin', { headers: manager })) as Response).status).toBe(403);
    expect(((await callRoute(adminLoader, '/admin', { headers: reviewer })) as Response).status).toBe(403);
    expect(((await callRoute(myTeamLoader, '/my-team', { headers: reviewer })) as Response).status).toBe(403);
    const mine = (await callRoute(myTeamLoader, '/my-team', { headers: manager })) as { teams: Array<{ id: number }> };
    expect(mine.teams.map((t) => t.id)).toEqual([team.id]);
  });
});
