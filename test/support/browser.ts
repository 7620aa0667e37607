import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { BrowserContext, chromium, Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); never a browser download. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser suites leave their screenshots (ignored by git; docs/ holds the chosen ones). */
export const SCREENSHOT_DIR = resolve(__dirname, '..', '..', 'test-results', 'console');

/** What this machine's Chromium needs headless: no sandbox (root), no GPU, nothing phoning home. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile and its temporary files in a scratch folder, both removed on close. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: the console's browser tests need it. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (.ci/run does), or point CHROMIUM_PATH at another Chromium.',
    );
  }
  const scratch = mkdtempSync(join(tmpdir(), 'console-browser-'));
  const profile = join(scratch, 'profile');
  const temporary = join(scratch, 'tmp');
  mkdirSync(temporary);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, TMPDIR: temporary } as Record<string, string>,
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'Asia/Kuala_Lumpur',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * What a page holds that a script or a person could read: the markup, every input's value,
 * both storages and the cookies. No secret or token may appear in any of it.
 */
export async function readablePageState(page: Page): Promise<{ dom: string; localStorage: string[]; sessionStorage: string[]; cookies: string[] }> {
  const state = (await page.evaluate(`(() => ({
    dom: document.documentElement.outerHTML + '\\n' + [...document.querySelectorAll('input, textarea, select')].map((element) => element.value).join('\\n'),
    localStorage: Object.keys(localStorage).map((key) => key + '=' + localStorage.getItem(key)),
    sessionStorage: Object.keys(sessionStorage).map((key) => key + '=' + sessionStorage.getItem(key)),
    documentCookie: document.cookie,
  }))()`)) as { dom: string; localStorage: string[]; sessionStorage: string[]; documentCookie: string };
  const cookies = (await page.context().cookies()).map((cookie) => `${cookie.name}=${cookie.value}`);
  if (state.documentCookie) cookies.push(state.documentCookie);
  return { dom: state.dom, localStorage: state.localStorage, sessionStorage: state.sessionStorage, cookies };
}

/** Throws naming where a secret was found; storages and cookies must be empty altogether. */
export async function expectNoSecretsIn(page: Page, secrets: string[]): Promise<void> {
  const state = await readablePageState(page);
  const places: Array<[string, string]> = [
    ['the DOM', state.dom],
    ['localStorage', state.localStorage.join('\n')],
    ['sessionStorage', state.sessionStorage.join('\n')],
    ['cookies', state.cookies.join('\n')],
  ];
  for (const secret of secrets.filter((value) => value.length >= 8)) {
    for (const [place, text] of places) {
      if (text.includes(secret)) throw new Error(`a secret or token (${secret.slice(0, 6)}…) is in ${place}`);
    }
  }
  if (state.localStorage.length + state.sessionStorage.length + state.cookies.length > 0) {
    throw new Error(`the console stored something: ${JSON.stringify({ ...state, dom: undefined })}`);
  }
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

/** Collects what the page complained about: a script error, or anything the CSP blocked. */
export function watchForPageErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content.Security.Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  return problems;
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}
