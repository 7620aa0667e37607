import type { Page } from 'playwright-core';
import { brokerToken, createPrincipal } from './support/auth';
import { expectNoSecretsIn, launchBrowser, screenshotPath, seriousAccessibilityViolations, TestBrowser, watchForPageErrors } from './support/browser';
import { makeCredential } from './support/credentials';
import { makeTenant, uniqueTin } from './support/factories';
import { TEST_ADMIN } from './support/processes';
import { makeTaxpayer, uniqueId } from './support/simulator';
import { extraBroker, intermediaryTenants, startWorld, taxpayerTenant, World } from './support/world';

/**
 * The operator console, driven in Debian's Chromium against the real broker, simulator and
 * database. Every flow ends by checking that no client secret, MyInvois token or broker token
 * is anywhere a script could read it.
 */
describe('operator console', () => {
  let world: World;
  let browser: TestBrowser;
  /** Every secret and token a test handled, for the leak checks. */
  const secrets: string[] = [TEST_ADMIN.clientSecret];
  const pages: Array<{ page: Page; problems: string[] }> = [];

  beforeAll(async () => {
    [world, browser] = await Promise.all([startWorld(), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  afterEach(async () => {
    for (const { page, problems } of pages.splice(0)) {
      const open = !page.isClosed();
      if (open) await expectNoSecretsIn(page, secrets);
      if (open) await page.close();
      expect(problems).toEqual([]);
    }
  });

  /** A new tab with the console, signed in; the broker token it receives joins the secrets. */
  async function openConsole(as: { clientId: string; clientSecret: string } = TEST_ADMIN): Promise<Page> {
    const page = await browser.context.newPage();
    page.setDefaultTimeout(10_000);
    pages.push({ page, problems: watchForPageErrors(page) });
    captureBrokerTokens(page);
    await page.goto(`${world.brokers[0].url}/console`);
    await signIn(page, as);
    await page.getByRole('heading', { level: 1, name: 'Attention' }).waitFor();
    return page;
  }

  function captureBrokerTokens(page: Page): void {
    page.on('response', async (response) => {
      if (!response.url().endsWith('/v1/auth/token') || response.status() !== 200) return;
      const body = (await response.json().catch(() => ({}))) as { access_token?: string };
      if (body.access_token) secrets.push(body.access_token);
    });
  }

  async function signIn(page: Page, as: { clientId: string; clientSecret: string }, scope = page.locator('body')): Promise<void> {
    await scope.getByLabel('Client ID').fill(as.clientId);
    await scope.getByLabel('Client secret').fill(as.clientSecret);
    await scope.getByRole('button', { name: 'Sign in' }).click();
  }

  async function go(page: Page, hash: string, heading: string | RegExp): Promise<void> {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  /** Until nothing on the page is loading any more. */
  async function loaded(page: Page): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await page.locator('.loading').count()) > 0) {
      if (Date.now() > deadline) throw new Error('the page is still loading after 10 s');
      await page.waitForTimeout(50);
    }
  }

  /** A MyInvois token the broker holds for the tenant, fetched as the admin (to look for it in the page). */
  async function myInvoisTokenOf(tenantId: string): Promise<string> {
    const issued = await world.admins[0].post(`/v1/tenants/${tenantId}/token`, {});
    expect(issued.status).toBe(200);
    return issued.body.access_token as string;
  }

  it('signs in with a client ID and secret, keeps the token in memory only, and asks again on a 401 without losing the page', async () => {
    const admin = await createPrincipal(world.brokers[0], world.admins[0], { name: 'console operator', role: 'admin' });
    secrets.push(admin.clientSecret);
    const page = await browser.context.newPage();
    page.setDefaultTimeout(10_000);
    pages.push({ page, problems: watchForPageErrors(page) });
    captureBrokerTokens(page);
    await page.goto(`${world.brokers[0].url}/console`);
    expect(page.url()).toBe(`${world.brokers[0].url}/console/`);

    await signIn(page, { clientId: admin.clientId, clientSecret: 'not-the-secret-0123456789' });
    await page.getByRole('alert').getByText('The client ID or secret is wrong').waitFor();
    // By keyboard alone: the wrong secret was cleared, the client ID kept.
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    await page.getByLabel('Client ID').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.type(admin.clientSecret);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Attention' }).waitFor();
    // Each page puts the focus on its heading: its controls are a Tab away, the navigation a Shift+Tab.
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Attention');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Refresh');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Webhooks');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Vault');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Vault' }).waitFor();
    expect(await page.getByText(`Signed in as ${admin.clientId}`).count()).toBe(1);

    // Half-way through registering a tenant, the admin's secret is rotated: its token stops working.
    await go(page, '#/tenants', 'Tenants');
    await page.getByRole('button', { name: 'New tenant' }).click();
    const tin = uniqueTin();
    await page.getByLabel('Name', { exact: true }).fill('Syarikat Sesi Tamat Sdn Bhd');
    await page.getByLabel('TIN', { exact: true }).fill(tin);
    const rotated = await world.admins[0].post(`/v1/principals/${admin.id}/secret`);
    secrets.push(rotated.body.clientSecret);
    await page.getByRole('button', { name: 'Register tenant' }).click();

    const dialog = page.getByRole('dialog', { name: 'Sign in again' });
    await dialog.waitFor();
    await signIn(page, { clientId: admin.clientId, clientSecret: rotated.body.clientSecret }, dialog);
    // The request that met the 401 goes through once signed in again: the tenant's page opens.
    await page.getByRole('heading', { level: 1, name: 'Syarikat Sesi Tamat Sdn Bhd' }).waitFor();
    await dialog.waitFor({ state: 'detached' });
    expect((await world.admins[0].get(`/v1/tenants?tin=${tin}`)).body.items).toHaveLength(1);

    // A reload forgets the session: nothing was kept to sign in with.
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('onboards a taxpayer (tenant, credential, attach) and shows its token become fresh', async () => {
    const tin = uniqueTin();
    const client = await world.simulator.register(makeTaxpayer({ clientId: uniqueId('erp'), tin }));
    secrets.push(...client.secrets);
    const page = await openConsole();

    await go(page, '#/tenants', 'Tenants');
    await page.getByRole('button', { name: 'New tenant' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Syarikat Contoh Sdn Bhd');
    await page.getByLabel('TIN', { exact: true }).fill(tin.toLowerCase());
    await page.getByRole('button', { name: 'Register tenant' }).click();
    await page.getByRole('heading', { level: 1, name: 'Syarikat Contoh Sdn Bhd' }).waitFor();
    await page.getByText('No credential attached').waitFor();

    const credentialSection = page.getByRole('region', { name: 'MyInvois credential' });
    await credentialSection.getByLabel('Client ID').fill(client.clientId);
    await credentialSection.getByLabel('Client secret', { exact: true }).fill(client.secrets[0]);
    await credentialSection.getByLabel('Second client secret (optional)').fill(client.secrets[1]);
    await credentialSection.getByRole('button', { name: 'Store and attach' }).click();
    await credentialSection.getByRole('button', { name: 'Verify now' }).click();
    await credentialSection.getByText('MyInvois accepted the credential.').waitFor();
    expect(await credentialSection.getByText('matches').count()).toBe(1);

    const tokenKeys = page.getByRole('region', { name: 'Token keys' });
    await tokenKeys.getByRole('cell', { name: 'fresh', exact: true }).waitFor();
    await page.screenshot({ path: screenshotPath('tenant'), fullPage: true });

    const tenantId = new URL(page.url()).hash.split('/')[2];
    secrets.push(await myInvoisTokenOf(tenantId));
    await expectNoSecretsIn(page, secrets);
  });

  it('shows a credential refused by MyInvois on Attention with its error, and its recovery once the secrets are replaced', async () => {
    const setup = await taxpayerTenant(world, { credential: { clientSecret: 'wrong-secret-one-0123', secondaryClientSecret: 'wrong-secret-two-0123' } });
    secrets.push(...setup.client.secrets, 'wrong-secret-one-0123', 'wrong-secret-two-0123');
    const page = await openConsole();

    await go(page, `#/credentials/${setup.credential.id}`, setup.client.clientId);
    const verify = page.getByRole('region', { name: 'Verify' });
    await verify.getByRole('button', { name: 'Verify now' }).click();
    await verify.getByText('MyInvois refused the credential.').waitFor();

    await go(page, '#/attention', 'Attention');
    const refused = page.getByRole('region', { name: 'Credentials MyInvois refuses' });
    const row = refused.getByRole('row').filter({ hasText: setup.client.clientId });
    await row.waitFor();
    expect(await row.getByText('invalid_client').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('attention'), fullPage: true });

    await row.getByRole('link', { name: 'Enter new secrets' }).click();
    const form = page.getByRole('region', { name: 'Replace secrets' });
    await form.getByLabel('New client secret').waitFor();
    expect(await page.evaluate('document.activeElement && document.activeElement.name')).toBe('clientSecret');
    await form.getByLabel('New client secret').fill(setup.client.secrets[0]);
    await form.getByLabel('New second client secret').fill(setup.client.secrets[1]);
    await form.getByRole('button', { name: 'Replace secrets' }).click();
    await form.getByText('The new secrets are stored.').waitFor();
    expect(await form.getByLabel('New client secret').inputValue()).toBe('');

    await verify.getByRole('button', { name: 'Verify now' }).click();
    await verify.getByText('MyInvois accepted the credential.').waitFor();
    await page.getByRole('region', { name: 'Details' }).getByText('valid', { exact: true }).waitFor();

    await go(page, '#/attention', 'Attention');
    await refused.getByText('No refused credentials.').waitFor();
    secrets.push(await myInvoisTokenOf(setup.tenant.id));
  });

  it('shows client IDs with tokens at risk and a degraded credential on Attention with its correlationId, and the budget as a gauge and a chart after a login', async () => {
    const setup = await taxpayerTenant(world, { credential: { label: 'Budget Gauge ERP', loginRatePerMinute: 4 } });
    secrets.push(...setup.client.secrets, await myInvoisTokenOf(setup.tenant.id));
    // MyInvois behind a maintenance page for this client ID: the broker answers 503 and the credential is degraded.
    const failing = await taxpayerTenant(world, { credential: { label: 'Maintenance Page ERP' } });
    secrets.push(...failing.client.secrets);
    expect((await world.simulator.put(`/_sim/clients/${failing.client.clientId}/faults`, { kind: 'non_json', status: 503 })).status).toBe(200);
    expect((await world.admins[0].post(`/v1/tenants/${failing.tenant.id}/token`, {})).status).toBe(503);
    const [answer] = (await world.simulator.get(`/_sim/clients/${failing.client.clientId}/failures`)).body as Array<{ correlationId: string }>;
    expect(answer.correlationId).toBeTruthy();
    // Three one-minute tokens on three logins a minute (one kept for requests): the window is spent, and
    // none can be renewed before it expires, for as long as the tokens last. Made last, as the clock runs from here.
    const starved = await intermediaryTenants(world, 3, {
      client: { tokenTtlSeconds: 60 },
      credential: { label: 'Starved Intermediary', loginRatePerMinute: 3 },
    });
    secrets.push(...starved.client.secrets);
    for (const tenant of starved.tenants) {
      const issued = await world.admins[0].post(`/v1/tenants/${tenant.id}/token`, { minTtlSeconds: 5 });
      expect(issued.status).toBe(200);
      secrets.push(issued.body.access_token);
    }

    const page = await openConsole();
    await loaded(page);
    const atRisk = page.getByRole('region', { name: 'Client IDs with tokens at risk' });
    const starvedRow = atRisk.getByRole('row').filter({ hasText: 'Starved Intermediary' });
    await starvedRow.waitFor();
    expect(await starvedRow.getByText('3 of 3').count()).toBe(1);
    const degraded = page.getByRole('region', { name: 'Credentials MyInvois is failing (degraded)' });
    const failingRow = degraded.getByRole('row').filter({ hasText: 'Maintenance Page ERP' });
    await failingRow.waitFor();
    expect(await failingRow.getByTestId('correlation-id').textContent()).toBe(answer.correlationId);
    expect(await failingRow.getByText('HTTP 503').count()).toBe(1);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Each links to where it is fixed: the back-off on the credential's page.
    await failingRow.getByRole('link', { name: /See the back-off/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Maintenance Page ERP' }).waitFor();
    await page.getByText('MyInvois has been failing this client ID').waitFor();
    await loaded(page);
    // Backing off, or (the back-off over) waiting for its next login, the probe.
    await page
      .getByTestId('budget-gauge')
      .getByText(/1 failure in a row/)
      .waitFor();
    expect(await page.getByTestId('correlation-id').first().textContent()).toBe(answer.correlationId);
    await world.simulator.put(`/_sim/clients/${failing.client.clientId}/faults`, { kind: 'none' });

    await go(page, '#/credentials', 'Credentials');
    const row = page.getByRole('row').filter({ hasText: 'Budget Gauge ERP' });
    await row.getByText('1/4').waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'Maintenance Page ERP' }).getByText('degraded').count()).toBe(1);

    // The gauge and the chart (axe checks this page in the tour below).
    await go(page, `#/credentials/${setup.credential.id}`, 'Budget Gauge ERP');
    const budget = page.getByRole('region', { name: 'Login budget' });
    await loaded(page);
    const gauge = budget.getByTestId('budget-gauge');
    await gauge.getByText('1 of 4').waitFor();
    expect(await gauge.getByRole('img', { name: '1 of 4 logins used in the last 61 seconds' }).count()).toBe(1);
    expect(await gauge.getByText('slots free').count()).toBe(1);
    const chart = budget.getByRole('img', { name: /^Logins per minute over the last hour\. 1 login in the last hour/ });
    await chart.waitFor();
    expect(await chart.locator('rect.chart-demand').count()).toBe(1);
    await budget.getByText('The minutes with logins, as a table').click();
    const minute = budget.getByRole('table').getByRole('row').nth(1);
    expect(await minute.getByRole('cell').allTextContents()).toEqual([expect.any(String), '1', '1', '0']);
    await page.screenshot({ path: screenshotPath('credential-budget'), fullPage: true });
  }, 120_000);

  it('creates a principal and shows its secret once, with a copy button and a warning', async () => {
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: world.brokers[0].url });
    const page = await openConsole();
    await go(page, '#/principals', 'Principals');
    await page.getByRole('button', { name: 'New principal' }).click();
    await page.getByLabel('Name', { exact: true }).fill('submission-worker');
    await page.getByRole('button', { name: 'Create principal' }).click();

    const once = page.getByRole('alertdialog', { name: /Copy the client secret of submission-worker now/ });
    await once.waitFor();
    expect(await once.getByText('It will not be shown again.').count()).toBe(1);
    const secret = (await once.locator('[data-secret="one-time"]').textContent())!.trim();
    const clientId = (await once.locator('code').first().textContent())!.trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    await brokerToken(world.brokers[0], clientId, secret);

    await once.getByRole('button', { name: 'Copy secret' }).click();
    await once.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await page.evaluate('navigator.clipboard.writeText("")');

    await once.getByRole('button', { name: 'I have stored it' }).click();
    await once.waitFor({ state: 'detached' });
    secrets.push(secret);
    await expectNoSecretsIn(page, secrets);

    // Rotating shows the new one once, and the old one stops working.
    await page.getByRole('button', { name: 'Manage submission-worker' }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Yes, rotate secret' }).click();
    await once.waitFor();
    const rotated = (await once.locator('[data-secret="one-time"]').textContent())!.trim();
    expect(rotated).not.toBe(secret);
    await expect(brokerToken(world.brokers[0], clientId, secret)).rejects.toThrow(/401/);
    await once.getByRole('button', { name: 'I have stored it' }).click();
    secrets.push(rotated);

    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Yes, disable' }).click();
    await page.getByRole('row').filter({ hasText: 'submission-worker' }).getByText('disabled').waitFor();
    await expect(brokerToken(world.brokers[0], clientId, rotated)).rejects.toThrow(/401/);
  });

  it('filters the audit log, opens an event and verifies the chain', async () => {
    const created = await world.admins[0].post('/v1/tenants', makeTenant({ name: 'Audit Trail Bhd' }));
    expect(created.status).toBe(201);
    const page = await openConsole();
    await go(page, `#/audit?action=tenant.*&tenantId=${created.body.id}`, 'Audit');
    const row = page.getByRole('row').filter({ hasText: 'tenant.created' });
    await row.waitFor();
    await row.getByRole('button', { name: /Open event/ }).click();
    const detail = page.getByRole('complementary', { name: /tenant\.created/ });
    await detail.getByText('"name": "Audit Trail Bhd"').waitFor();

    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await page.getByText('The chain holds.').waitFor();
    await page.screenshot({ path: screenshotPath('audit'), fullPage: true });
  });

  it('serves /console with a strict Content-Security-Policy and helmet headers, and leaves the API and /docs as they were', async () => {
    const broker = world.brokers[0];
    const page = await fetch(`${broker.url}/console/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('strict-transport-security')).toMatch(/max-age=/);
    const script = await fetch(`${broker.url}/console/app.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('content-security-policy')).toContain("default-src 'self'");

    const api = await fetch(`${broker.url}/v1/tenants`);
    expect(api.status).toBe(401);
    expect(api.headers.get('content-security-policy')).toBeNull();
    expect(await api.json()).toMatchObject({ statusCode: 401 });

    const { broker: withoutConsole } = await extraBroker(world, { CONSOLE_ENABLED: 'false' });
    try {
      expect((await fetch(`${withoutConsole.url}/console/`)).status).toBe(404);
      expect((await fetch(`${withoutConsole.url}/health/ready`)).status).toBe(200);
    } finally {
      await withoutConsole.stop();
    }

    const docs = await browser.context.newPage();
    const problems = watchForPageErrors(docs);
    await docs.goto(`${broker.url}/docs`);
    await docs.locator('.swagger-ui .info .title').waitFor();
    await docs.close();
    expect(problems).toEqual([]);
  });

  // Nine pages, each loaded and checked by axe: more than one flow's time on a loaded machine.
  it('has no serious accessibility violation on any page, and fits a 1280 px screen', async () => {
    // Something on every page: a refused credential, secrets expiring soon, a tenant with a token.
    const refused = await taxpayerTenant(world, {
      credential: { clientSecret: 'refused-secret-0123456', secondaryClientSecret: 'refused-secret-6543210', label: 'Kedai Runcit ERP' },
    });
    secrets.push(...refused.client.secrets, 'refused-secret-0123456', 'refused-secret-6543210');
    expect((await world.admins[0].post(`/v1/credentials/${refused.credential.id}/verify`, {})).body.status).toBe('invalid');
    const expiring = await world.admins[0].post(
      '/v1/credentials',
      makeCredential({ label: 'Acme ERP (sandbox)', secretExpiresAt: new Date(Date.now() + 9 * 86_400_000).toISOString() }),
    );
    secrets.push(expiring.body.clientSecret ?? '');
    const fresh = await taxpayerTenant(world, { credential: { label: 'Syarikat Maju ERP' } });
    secrets.push(...fresh.client.secrets, await myInvoisTokenOf(fresh.tenant.id));

    const page = await openConsole();
    const views: Array<[string, string, string | RegExp]> = [
      ['attention', '#/attention', 'Attention'],
      ['tenants', '#/tenants', 'Tenants'],
      ['tenant', `#/tenants/${fresh.tenant.id}`, /Tenant/],
      ['credentials', '#/credentials', 'Credentials'],
      ['credential', `#/credentials/${refused.credential.id}`, 'Kedai Runcit ERP'],
      ['tokens', '#/tokens', 'Tokens'],
      ['audit', '#/audit', 'Audit'],
      ['principals', '#/principals', 'Principals'],
      ['vault', '#/vault', 'Vault'],
    ];
    const violations: string[] = [];
    for (const [name, hash, heading] of views) {
      await go(page, hash, heading);
      await loaded(page);
      violations.push(...(await seriousAccessibilityViolations(page)).map((violation) => `${name}: ${violation}`));
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
      if (overflow > 0) violations.push(`${name}: wider than the 1280 px window by ${overflow} px`);
      await page.screenshot({ path: screenshotPath(name === 'tenant' ? 'tenant-detail' : name), fullPage: true });
    }
    await page.evaluate('location.hash = "#/attention"');
    await page.getByRole('heading', { level: 1, name: 'Attention' }).waitFor();
    await loaded(page);
    await page.screenshot({ path: screenshotPath('attention'), fullPage: true });
    expect(violations).toEqual([]);

    // The sign-in page too.
    const signInPage = await browser.context.newPage();
    pages.push({ page: signInPage, problems: watchForPageErrors(signInPage) });
    await signInPage.goto(`${world.brokers[0].url}/console/`);
    await signInPage.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await seriousAccessibilityViolations(signInPage)).toEqual([]);
    await signInPage.screenshot({ path: screenshotPath('sign-in') });
  }, 120_000);
});
