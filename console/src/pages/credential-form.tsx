import { credentials } from '../api/broker';
import { CREDENTIAL_KINDS, Credential, ENVIRONMENTS, Environment } from '../api/types';
import { useAction } from '../hooks';
import { localInputToIso } from '../ui/format';
import { Field, fieldError, formValues, SecretInput, Select, SubmitButton, TextInput } from '../ui/forms';
import { ErrorNotice } from '../ui/layout';

const FIELDS = ['kind', 'environment', 'clientId', 'clientSecret', 'secondaryClientSecret', 'secretExpiresAt', 'label', 'loginRatePerMinute'];

/**
 * A new MyInvois credential. The secrets are write-only: read from the form once, sent, and
 * the form is reset; nothing of them stays in the page or in the console's state.
 */
export function NewCredentialForm({
  environment,
  submitLabel,
  onCreated,
  onCancel,
}: {
  environment?: Environment;
  submitLabel: string;
  onCreated: (credential: Credential) => void | Promise<void>;
  onCancel?: () => void;
}) {
  const create = useAction(credentials.create);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const values = formValues(form);
    const credential = await create.run({
      kind: values.kind,
      environment: environment ?? values.environment,
      clientId: values.clientId,
      clientSecret: values.clientSecret,
      secondaryClientSecret: values.secondaryClientSecret,
      secretExpiresAt: localInputToIso(values.secretExpiresAt ?? ''),
      label: values.label,
      loginRatePerMinute: values.loginRatePerMinute ? Number(values.loginRatePerMinute) : undefined,
    });
    if (credential) {
      form.reset();
      await onCreated(credential);
    }
  };
  const error = (name: string) => fieldError(create.error, name);
  return (
    <form class="form-grid" onSubmit={submit} noValidate autoComplete="off">
      {environment ? (
        <p class="form-note">
          Environment: <strong>{environment}</strong>, the tenant's.
        </p>
      ) : (
        <Field label="Environment" error={error('environment')}>
          {(props) => <Select {...props} name="environment" options={ENVIRONMENTS.map((value): [string, string] => [value, value])} />}
        </Field>
      )}
      <Field
        label="Kind"
        hint="taxpayer: the taxpayer's own ERP registration, one tenant; intermediary: yours, logging in on behalf of many."
        error={error('kind')}
      >
        {(props) => <Select {...props} name="kind" options={CREDENTIAL_KINDS.map((kind): [string, string] => [kind, kind])} />}
      </Field>
      <Field label="Client ID" hint="The GUID from the MyInvois portal." error={error('clientId')}>
        {(props) => <TextInput {...props} name="clientId" required />}
      </Field>
      <Field label="Client secret" hint="Stored encrypted; never shown again, not even here." error={error('clientSecret')}>
        {(props) => <SecretInput {...props} name="clientSecret" required />}
      </Field>
      <Field
        label="Second client secret (optional)"
        hint="MyInvois issues two; the broker falls back to it when the first is refused."
        error={error('secondaryClientSecret')}
      >
        {(props) => <SecretInput {...props} name="secondaryClientSecret" />}
      </Field>
      <Field label="Secrets expire (optional)" hint="As chosen at registration in the portal; the broker warns before." error={error('secretExpiresAt')}>
        {(props) => <input {...props} type="datetime-local" name="secretExpiresAt" />}
      </Field>
      <Field label="Label (optional)" error={error('label')}>
        {(props) => <TextInput {...props} name="label" maxLength={200} placeholder="Acme ERP, production" />}
      </Field>
      <Field label="Logins per minute (optional)" hint="MyInvois's limit for this client ID; default 12." error={error('loginRatePerMinute')}>
        {(props) => <input {...props} type="number" min={1} max={1000} name="loginRatePerMinute" />}
      </Field>
      <ErrorNotice error={create.error && !FIELDS.some((name) => error(name)) ? create.error : undefined} action="Storing the credential" />
      <div class="form-buttons">
        <SubmitButton busy={create.busy}>{submitLabel}</SubmitButton>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
