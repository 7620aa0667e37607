import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes (`#/tenants/<id>?status=active`): the broker serves one static page, and a page's
 * filters live in its address, so a link or a reload (after signing in again) opens the same view.
 */
export interface Route {
  path: string[];
  query: URLSearchParams;
}

function current(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?', 2);
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
  const text = params.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

/** `replace`: a filter change, not a new place to go back to. */
export function navigate(path: string, query: Record<string, string | undefined> = {}, options: { replace?: boolean } = {}): void {
  const target = href(path, query);
  if (options.replace) {
    history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = target;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** The query of a route as a plain object of its non-empty values. */
export function queryObject(query: URLSearchParams, names: string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, query.get(name) || undefined]));
}
