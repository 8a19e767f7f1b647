import type { ComponentChildren } from 'preact';

interface Props {
  id: string;
  label: string;
  /** A problem with this field, shown under it and linked to it (aria-describedby on the control). */
  error?: string | undefined;
  hint?: string | undefined;
  children: ComponentChildren;
}

export const errorId = (id: string): string => `${id}-error`;
export const hintId = (id: string): string => `${id}-hint`;

/** The aria attributes a control inside a Field needs. */
export function described(id: string, error: string | undefined, hint?: string): Record<string, string | boolean | undefined> {
  const ids = [error ? errorId(id) : null, hint ? hintId(id) : null].filter(Boolean).join(' ');
  return { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': ids || undefined };
}

/** A labelled form control with its hint and error next to it. */
export function Field({ id, label, error, hint, children }: Props) {
  return (
    <div class={`field${error ? ' has-error' : ''}`} data-field={id}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <p id={hintId(id)} class="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId(id)} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** A labelled choice of one device (by name), with a first option for "none chosen". */
export function DeviceSelect(props: { id: string; label: string; error: string | undefined; none: string; devices: { id: string; name: string }[]; value: string; onChange: (id: string) => void }) {
  const { id, label, error, none, devices, value, onChange } = props;
  return (
    <Field id={id} label={label} error={error}>
      <select {...described(id, error)} class="input" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{none}</option>
        {devices.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name}
          </option>
        ))}
      </select>
    </Field>
  );
}
