import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from './api/types';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads on mount and whenever `deps` change; an answer that arrives after a newer request is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const ticket = ++latest.current;
    setState((previous) => ({ data: previous.data, loading: true }));
    load().then(
      (data) => ticket === latest.current && setState({ data, loading: false }),
      (error: Error) => ticket === latest.current && setState({ error, loading: false }),
    );
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export interface Paged<T> extends Loaded<Page<T>> {
  pageNumber: number;
  next: (() => void) | undefined;
  previous: (() => void) | undefined;
}

/**
 * Keyset paging with the API's cursors: the cursors of the pages seen are kept, so Previous
 * goes back without offsets. A change of `filtersKey` starts again at the first page.
 */
export function usePaged<T>(load: (cursor: string | undefined) => Promise<Page<T>>, filtersKey: string): Paged<T> {
  const [cursors, setCursors] = useState<string[]>([]);
  const [key, setKey] = useState(filtersKey);
  if (key !== filtersKey) {
    setKey(filtersKey);
    setCursors([]);
  }
  const cursor = key === filtersKey ? cursors[cursors.length - 1] : undefined;
  const loaded = useLoad(() => load(cursor), [filtersKey, cursor]);
  const nextCursor = loaded.data?.nextCursor;
  return {
    ...loaded,
    pageNumber: cursors.length + 1,
    next: nextCursor && !loaded.loading ? () => setCursors((list) => [...list, nextCursor]) : undefined,
    previous: cursors.length > 0 ? () => setCursors((list) => list.slice(0, -1)) : undefined,
  };
}

/** Runs an action from a button or form, tracking whether it is under way and how it ended. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [state, setState] = useState<{ busy: boolean; error?: Error; result?: R }>({ busy: false });
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setState({ busy: true });
      try {
        const result = await action(...args);
        setState({ busy: false, result });
        return result;
      } catch (error) {
        setState({ busy: false, error: error as Error });
        return undefined;
      }
    },
    [action],
  );
  const clear = useCallback(() => setState({ busy: false }), []);
  return { ...state, run, clear };
}

/**
 * A paged list with one item open beside it: `changed(item)` reloads the list and keeps `item`
 * open (or closes the panel without one), as after a create, an edit or a delete.
 */
export function useManagedList<T>(load: (cursor: string | undefined) => Promise<Page<T>>, filtersKey: string) {
  const [version, setVersion] = useState(0);
  const [managing, setManaging] = useState<T>();
  const list = usePaged(load, `${filtersKey}/${version}`);
  const changed = (item?: T) => {
    setVersion((value) => value + 1);
    setManaging(item);
  };
  return { list, managing, setManaging, changed };
}
