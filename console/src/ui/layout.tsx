import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api/http';

/** A page: its heading (focused on arrival, so screen readers announce where they are), actions, content. */
export function PageFrame({
  title,
  subtitle,
  actions,
  children,
}: {
  title: string;
  subtitle?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · myinvois-broker console`;
    // Unless the page itself has just put the focus somewhere (a form it opened at), as the
    // effects of its parts run before this one.
    const active = document.activeElement;
    const page = heading.current?.closest('main');
    if (!active || active === document.body || active === page || !page?.contains(active)) heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <>
      <div class="page-head">
        <div>
          <h1 tabIndex={-1} ref={heading}>
            {title}
          </h1>
          {subtitle && <p class="subtitle">{subtitle}</p>}
        </div>
        {actions && <div class="page-actions">{actions}</div>}
      </div>
      {children}
    </>
  );
}

export function Section({
  title,
  id,
  actions,
  children,
  tone,
}: {
  title: string;
  id?: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  tone?: 'bad' | 'warn';
}) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-heading`;
  return (
    <section class={`card${tone ? ` card-${tone}` : ''}`} id={id} aria-labelledby={headingId}>
      <div class="card-head">
        <h2 id={headingId}>{title}</h2>
        {actions && <div class="card-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

/** What an empty list means, and what to do next. */
export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children && <div class="empty-next">{children}</div>}
    </div>
  );
}

export function ErrorNotice({ error, action }: { error: Error | undefined; action?: string }) {
  if (!error) return null;
  const field = error instanceof ApiError ? Object.keys(error.fieldErrors)[0] : undefined;
  return (
    <div class="notice notice-bad" role="alert">
      <strong>{action ? `${action} failed: ` : 'Error: '}</strong>
      {error.message}
      {error instanceof ApiError && error.code && (
        <span class="muted">
          {' '}
          ({error.code}
          {field ? `, field ${field}` : ''})
        </span>
      )}
    </div>
  );
}

export function Notice({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'info'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${tone}`} role={tone === 'bad' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** The usual three states of something loaded: loading, failed, or its content. */
export function LoadState<T>({
  loaded,
  what,
  children,
}: {
  loaded: { data?: T; error?: Error; loading: boolean };
  what: string;
  children: (data: T) => ComponentChildren;
}) {
  if (loaded.error) return <ErrorNotice error={loaded.error} action={`Loading ${what}`} />;
  if (loaded.data === undefined) return <Loading what={what} />;
  return <>{children(loaded.data)}</>;
}

export function DefinitionList({ items }: { items: Array<[string, ComponentChildren]> }) {
  return (
    <dl class="facts">
      {items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
