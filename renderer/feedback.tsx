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
