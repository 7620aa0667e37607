import { useEffect, useRef, useState } from 'preact/hooks';
import { session, SignInError } from './api/session';
import { Field, SecretInput, SubmitButton, TextInput } from './ui/forms';

/** The sign-in form; the secret is read from the input once and the form is cleared straight after. */
export function SignInForm({ clientId, intro }: { clientId?: string; intro?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const id = String(data.get('clientId') ?? '').trim();
    const secret = String(data.get('clientSecret') ?? '');
    if (!id || !secret) {
      setError('Enter the client ID and the client secret of an admin principal.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await session.signIn(id, secret);
      form.reset();
    } catch (failure) {
      (form.elements.namedItem('clientSecret') as HTMLInputElement).value = '';
      setError(failure instanceof SignInError ? failure.message : 'Sign-in failed; try again.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="sign-in-form" onSubmit={submit} noValidate>
      {intro && <p>{intro}</p>}
      <Field label="Client ID">{(props) => <TextInput {...props} name="clientId" defaultValue={clientId} autoComplete="username" required />}</Field>
      <Field label="Client secret">{(props) => <SecretInput {...props} name="clientSecret" autoComplete="current-password" required />}</Field>
      {error && (
        <p class="notice notice-bad" role="alert">
          {error}
        </p>
      )}
      <SubmitButton busy={busy}>Sign in</SubmitButton>
    </form>
  );
}

export function SignInPage() {
  return (
    <main class="sign-in" id="main">
      <div class="sign-in-card">
        <h1>myinvois-broker console</h1>
        <p class="subtitle">Sign in with an admin principal's client ID and secret. The session lives in this tab's memory only: a reload asks again.</p>
        <SignInForm />
      </div>
    </main>
  );
}

/** Shown over the page when the broker refuses the token: the page underneath keeps its state. */
export function SessionExpiredDialog({ clientId }: { clientId: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog ref={dialog} class="session-dialog" aria-labelledby="session-dialog-heading" onCancel={(event) => event.preventDefault()}>
      <h2 id="session-dialog-heading">Sign in again</h2>
      <SignInForm
        clientId={clientId}
        intro="Your session has ended (it expired, or the secret was rotated). Sign in to carry on: this page stays as it was, and what was being sent goes through once you are back."
      />
    </dialog>
  );
}
