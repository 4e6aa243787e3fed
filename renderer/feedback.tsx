import type { ComponentChildren } from 'preact';
import type { Toast } from './state';

// Feedback: inline errors under forms, and the toasts in the corner.

/** An inline error under a form: announced to screen readers, nothing when null. */
export function ErrorLine({ text, id }: { text: string | null; id?: string | undefined }) {
  if (!text) return null;
  return (
    <p class="error" role="alert" id={id}>
      {text}
    </p>
  );
}

/** Toasts: what just happened (host changes, calls, alerts), with an action when there is one. */
export function Toasts(props: { toasts: Toast[]; onDismiss(id: number): void }) {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {props.toasts.map((t) => (
        <div key={t.id} class={`toast ${t.kind}`} data-testid={`toast-${t.kind}`}>
          <span>{t.text}</span>
          {t.action && (
            <button
              class="toast-action"
              onClick={() => {
                t.action!.run();
                props.onDismiss(t.id);
              }}
            >
              {t.action.label}
            </button>
          )}
          <button class="ghost" aria-label="Dismiss" onClick={() => props.onDismiss(t.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}

/** A modal dialog: a click outside or Escape closes it; its first button takes the focus. */
export function Dialog(props: {
  id: string;
  title: string;
  onClose(): void;
  children: ComponentChildren;
}) {
  return (
    <div class="modal-back" onClick={props.onClose}>
      <div
        class="modal card"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${props.id}-title`}
        data-testid={props.id}
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}
