import { useEffect, useState } from 'preact/hooks';
import { session, SessionState } from './api/session';
import { AttentionPage } from './pages/attention';
import { AuditPage } from './pages/audit';
import { CredentialPage } from './pages/credential';
import { CredentialsPage } from './pages/credentials';
import { PrincipalsPage } from './pages/principals';
import { TenantPage } from './pages/tenant';
import { TenantsPage } from './pages/tenants';
import { TokensPage } from './pages/tokens';
import { VaultPage } from './pages/vault';
import { WebhooksPage } from './pages/webhooks';
import { Route, useRoute } from './router';
import { SessionExpiredDialog, SignInPage } from './sign-in';
import { EmptyState } from './ui/layout';

/** The pages, in the order of the navigation; each is one feature of the API. */
const PAGES = [
  { path: 'attention', title: 'Attention' },
  { path: 'tenants', title: 'Tenants' },
  { path: 'credentials', title: 'Credentials' },
  { path: 'tokens', title: 'Tokens' },
  { path: 'audit', title: 'Audit' },
  { path: 'principals', title: 'Principals' },
  { path: 'vault', title: 'Vault' },
  { path: 'webhooks', title: 'Webhooks' },
];

function useSession(): SessionState {
  const [state, setState] = useState(session.state);
  useEffect(() => session.subscribe(setState), []);
  return state;
}

function PageFor({ route }: { route: Route }) {
  const [section = 'attention', id] = route.path;
  switch (section) {
    case 'attention':
      return <AttentionPage />;
    case 'tenants':
      return id ? <TenantPage id={id} /> : <TenantsPage query={route.query} />;
    case 'credentials':
      return id ? <CredentialPage id={id} focus={route.query.get('focus') ?? undefined} /> : <CredentialsPage query={route.query} />;
    case 'tokens':
      return <TokensPage query={route.query} />;
    case 'audit':
      return <AuditPage query={route.query} />;
    case 'principals':
      return <PrincipalsPage query={route.query} />;
    case 'vault':
      return <VaultPage />;
    case 'webhooks':
      return <WebhooksPage />;
    default:
      return (
        <EmptyState title="There is no such page.">
          <a href="#/attention">Go to Attention</a>
        </EmptyState>
      );
  }
}

export function App() {
  const state = useSession();
  const route = useRoute();
  if (state.kind === 'signed-out') return <SignInPage />;
  const current = route.path[0] ?? 'attention';
  return (
    <div class="shell">
      <a class="skip-link" href="#main" onClick={(event) => (event.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to the page
      </a>
      <header class="topbar">
        <span class="brand">myinvois-broker</span>
        <span class="who">
          Signed in as <code>{state.principal.clientId}</code>
        </span>
        <button type="button" onClick={() => session.signOut()}>
          Sign out
        </button>
      </header>
      <nav class="sidebar" aria-label="Pages">
        <ul>
          {PAGES.map((page) => (
            <li key={page.path}>
              <a href={`#/${page.path}`} aria-current={page.path === current ? 'page' : undefined}>
                {page.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <PageFor route={route} />
      </main>
      {state.kind === 'expired' && <SessionExpiredDialog clientId={state.principal.clientId} />}
    </div>
  );
}
