import type { ComponentChildren, PartialInputHTMLAttributes, SelectHTMLAttributes } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/http';
import { useAction } from '../hooks';
import { href, navigate } from '../router';
import { ErrorNotice, Section } from './layout';

let nextId = 0;
export function useFieldId(prefix: string): string {
  const id = useRef<string | undefined>(undefined);
  id.current ??= `${prefix}-${++nextId}`;
  return id.current;
}

export type ControlProps = { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean };

/** A labelled input, with a hint and the API's message for this field when it refused it. */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: ComponentChildren;
  error?: Error;
  children: (props: ControlProps) => ComponentChildren;
}) {
  const id = useFieldId('field');
  const described = [hint ? `${id}-hint` : undefined, error ? `${id}-error` : undefined].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children({ id, 'aria-describedby': described, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error.message}
        </p>
      )}
    </div>
  );
}

/** The API's message for one field of a refused form, as an Error to show beside it. */
export function fieldError(error: Error | undefined, ...fields: string[]): Error | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const messages = error.fieldErrors;
  const field = fields.find((name) => messages[name]);
  return field ? new Error(messages[field]) : undefined;
}

/** Preact's input typings tie `type` to the other attributes; these wrappers fix `type` themselves. */
type InputProps = Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'type' | 'list'> & { list?: string };

export function TextInput(props: InputProps) {
  return <input type="text" autoComplete="off" spellcheck={false} {...(props as object)} />;
}

/**
 * For secrets typed in: never filled from state, read once from the form on submit, cleared by
 * the form's reset. Password managers are told not to fill it with a login.
 */
export function SecretInput(props: InputProps) {
  return <input type="password" autoComplete="new-password" spellcheck={false} {...(props as object)} />;
}

/**
 * `value` makes it controlled (filters that apply on change); `initial` only preselects, so a
 * choice made in a form that is submitted later survives the page re-rendering meanwhile.
 */
export function Select({ options, initial, ...props }: SelectHTMLAttributes<HTMLSelectElement> & { options: Array<[string, string]>; initial?: string }) {
  return (
    <select {...props}>
      {options.map(([value, text]) => (
        <option value={value} key={value} selected={initial !== undefined ? value === initial : undefined}>
          {text}
        </option>
      ))}
    </select>
  );
}

export function SubmitButton({ busy, children, tone }: { busy: boolean; children: ComponentChildren; tone?: 'danger' }) {
  return (
    <button type="submit" class={tone === 'danger' ? 'danger' : 'primary'} disabled={busy} aria-busy={busy}>
      {busy ? 'Working…' : children}
    </button>
  );
}

/**
 * A button for something that cannot be undone or that cuts callers off: the first press asks,
 * the second does it (no browser dialog, so the page and its focus stay put).
 */
export function ConfirmButton({
  onConfirm,
  children,
  confirmText,
  busy,
  tone = 'danger',
}: {
  onConfirm: () => void;
  children: ComponentChildren;
  confirmText: string;
  busy?: boolean;
  tone?: 'danger' | 'plain';
}) {
  const [asking, setAsking] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirm.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" class={tone === 'danger' ? 'danger-outline' : undefined} onClick={() => setAsking(true)} disabled={busy}>
        {children}
      </button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label="Confirm">
      <span class="confirm-text">{confirmText}</span>
      <button
        type="button"
        class={tone === 'danger' ? 'danger' : 'primary'}
        ref={confirm}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        Yes, {typeof children === 'string' ? children.toLowerCase() : 'do it'}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** Reads the named fields of a submitted form; empty inputs come back as undefined. */
export function formValues(form: HTMLFormElement): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const [name, value] of new FormData(form).entries()) {
    if (typeof value === 'string') values[name] = value.trim() === '' ? undefined : value;
  }
  return values;
}

/** Options for a filter: "Any" (no filter) and then each value as itself. */
export function anyOf(values: readonly string[], anyText = 'Any'): Array<[string, string]> {
  return [['', anyText], ...values.map((value): [string, string] => [value, value])];
}

/**
 * The filters of a list page. They live in the page's address: applying them replaces it, so a
 * link or a reload shows the same list. Selects apply on change (`apply`), text on submit.
 */
export function FilterBar({
  label,
  path,
  filtered,
  submitText,
  children,
}: {
  label: string;
  path: string;
  filtered: boolean;
  submitText?: string;
  children: (apply: (form: HTMLFormElement | null) => void) => ComponentChildren;
}) {
  const apply = (form: HTMLFormElement | null) => form && navigate(path, formValues(form), { replace: true });
  return (
    <form
      class="filters"
      aria-label={label}
      onSubmit={(event) => {
        event.preventDefault();
        apply(event.currentTarget);
      }}
    >
      {children(apply)}
      {(submitText || filtered) && (
        <div class="filter-buttons">
          {submitText && (
            <button type="submit" class="primary">
              {submitText}
            </button>
          )}
          {filtered && (
            <a class="button" href={href(path)}>
              Clear
            </a>
          )}
        </div>
      )}
    </form>
  );
}

/** A select of a FilterBar: applies as soon as it changes. */
export function FilterSelect({
  label,
  name,
  value,
  options,
  apply,
  hint,
}: {
  label: string;
  name: string;
  value: string | undefined;
  options: Array<[string, string]>;
  apply: (form: HTMLFormElement | null) => void;
  hint?: ComponentChildren;
}) {
  return (
    <Field label={label} hint={hint}>
      {(props) => <Select {...props} name={name} value={value ?? ''} onChange={(event) => apply(event.currentTarget.form)} options={options} />}
    </Field>
  );
}

/** The last section of a record's page: what deleting means, a two-step button, then back to the list. */
export function DeleteSection({ what, explanation, remove, listPath }: { what: string; explanation: string; remove: () => Promise<void>; listPath: string }) {
  const removal = useAction(() => remove().then(() => true));
  return (
    <Section title="Delete" id="delete">
      <p>{explanation}</p>
      <ConfirmButton
        confirmText={`Delete ${what}?`}
        onConfirm={async () => {
          if (await removal.run()) navigate(listPath);
        }}
        busy={removal.busy}
      >
        Delete
      </ConfirmButton>
      <ErrorNotice error={removal.error} action="Deleting" />
    </Section>
  );
}
