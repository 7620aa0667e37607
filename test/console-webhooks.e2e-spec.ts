import type { Page } from 'playwright-core';
import { expectNoSecretsIn, launchBrowser, screenshotPath, seriousAccessibilityViolations, TestBrowser, watchForPageErrors } from './support/browser';
import { TEST_ADMIN } from './support/processes';
import { eventually } from './support/simulator';
import { Receiver } from './support/webhook-receiver';
import { startWorld, World } from './support/world';

/**
 * The console's webhooks, in Debian's Chromium against the real broker: add an endpoint (its
 * secret shown once), send a test, redeliver, rotate; the Attention and Audit pages' parts. No
 * signing secret or token may stay anywhere a script could read it.
 */
describe('operator console: webhooks', () => {
  let world: World;
  let browser: TestBrowser;
  let page: Page;
  let problems: string[];
  const receiver = new Receiver();
  const secrets: string[] = [TEST_ADMIN.clientSecret];

  beforeAll(async () => {
    [world, browser] = await Promise.all([
      startWorld({ brokerEnv: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_POLL_MS: '100', AUDIT_CHECKPOINT_MINUTES: '0.02' } }),
      launchBrowser(),
      receiver.start(),
    ]);
    page = await browser.context.newPage();
    page.setDefaultTimeout(10_000);
    problems = watchForPageErrors(page);
    page.on('response', async (response) => {
      if (!response.url().endsWith('/v1/auth/token') || response.status() !== 200) return;
      const body = (await response.json().catch(() => ({}))) as { access_token?: string };
      if (body.access_token) secrets.push(body.access_token);
    });
    await page.goto(`${world.brokers[0].url}/console`);
    await page.getByLabel('Client ID').fill(TEST_ADMIN.clientId);
    await page.getByLabel('Client secret').fill(TEST_ADMIN.clientSecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Attention' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await receiver.stop();
    await world?.stop();
  });

  /** The secret on screen, once, then dismissed; it joins the secrets the page must not keep. */
  async function takeShownSecret(): Promise<string> {
    const shown = page.locator('[data-secret="one-time"]');
    const secret = (await shown.textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    secrets.push(secret);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await expect(shown.count()).resolves.toBe(0);
    return secret;
  }

  it('adds an endpoint, shows its secret once, sends a test and a redelivery the receiver verifies, and rotates the secret', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByRole('button', { name: 'New endpoint' }).click();
    await page.getByLabel('URL').fill('https://169.254.169.254/latest');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText('url must').waitFor();
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('webhook.test').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    receiver.secret = await takeShownSecret();

    await page.getByRole('button', { name: `Manage ${receiver.url}` }).click();
    await page.getByRole('button', { name: 'Send a test event' }).click();
    await eventually(async () => expect(receiver.ofType('webhook.test')).toHaveLength(1), 5000);
    await eventually(async () => {
      await page.getByRole('button', { name: 'Refresh deliveries' }).click();
      await page.getByRole('cell', { name: 'delivered' }).waitFor({ timeout: 500 });
    }, 5000);
    await page
      .getByRole('button', { name: /^Redeliver webhook.test/ })
      .first()
      .click();
    await eventually(async () => expect(receiver.ofType('webhook.test')).toHaveLength(2), 5000);
    expect(new Set(receiver.received.map((event) => event.webhookId)).size).toBe(1);

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Yes, rotate secret' }).click();
    const rotated = await takeShownSecret();
    expect(rotated).not.toBe(receiver.secret);
    await page.getByRole('button', { name: 'Send a test event' }).click();
    receiver.secret = rotated;
    await eventually(async () => expect(receiver.ofType('webhook.test')).toHaveLength(3), 5000);
    expect(receiver.badSignatures).toEqual([]);

    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('webhooks'), fullPage: true });
    await expectNoSecretsIn(page, secrets);
  });

  it('shows undelivered webhooks on Attention and the latest checkpoints on Audit', async () => {
    await page.evaluate(`location.hash = '#/attention'`);
    await page.getByRole('heading', { level: 2, name: 'Undelivered webhooks' }).waitFor();
    await page.getByText('Every webhook was delivered.').waitFor();
    await page.evaluate(`location.hash = '#/audit'`);
    await page.getByRole('heading', { level: 2, name: 'Latest checkpoints' }).waitFor();
    await eventually(async () => {
      // A reload would sign out (the session lives in memory only): leave the page and come back.
      await page.evaluate(`location.hash = '#/attention'`);
      await page.getByRole('heading', { level: 1, name: 'Attention' }).waitFor();
      await page.evaluate(`location.hash = '#/audit'`);
      await page.getByRole('heading', { level: 2, name: 'Latest checkpoints' }).waitFor();
      await page.getByRole('table', { name: /Signed checkpoints/ }).waitFor({ timeout: 1000 });
      expect(await page.locator('#checkpoints tbody tr').count()).toBeGreaterThan(0);
    }, 10_000);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await expectNoSecretsIn(page, secrets);
    expect(problems).toEqual([]);
  });
});
