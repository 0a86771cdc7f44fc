// A question before something that is hard to undo (deleting a rule, discarding a draft, making
// another rule set live): a modal <dialog>, so focus stays in it, Escape cancels, and focus goes
// back where it was when it closes.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export interface ConfirmDialogProps {
  title: string;
  confirmLabel: string;
  cancelLabel?: string;
  /** Makes the confirm button look dangerous (deleting, discarding). */
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ComponentChildren;
}

let dialogCount = 0;

export function ConfirmDialog(props: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const returnTo = useRef<Element | null>(null);
  const ids = useRef<{ title: string; body: string } | undefined>(undefined);
  if (!ids.current) {
    dialogCount++;
    ids.current = { title: `confirm-title-${dialogCount}`, body: `confirm-body-${dialogCount}` };
  }
  const onCancel = useRef(props.onCancel);
  onCancel.current = props.onCancel;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    returnTo.current = document.activeElement;
    if (!dialog.open) dialog.showModal();
    const cancel = (e: Event) => {
      e.preventDefault();
      onCancel.current();
    };
    dialog.addEventListener("cancel", cancel);
    return () => {
      dialog.removeEventListener("cancel", cancel);
      if (dialog.open) dialog.close();
      const back = returnTo.current;
      if (back instanceof HTMLElement && back.isConnected) back.focus();
    };
  }, []);

  return (
    <dialog ref={ref} class="confirm-dialog" aria-labelledby={ids.current.title} aria-describedby={ids.current.body}>
      <h2 id={ids.current.title}>{props.title}</h2>
      <div id={ids.current.body} class="confirm-body">
        {props.children}
      </div>
      <div class="confirm-actions">
        <button type="button" class="button" onClick={props.onCancel} autoFocus>
          {props.cancelLabel ?? "Cancel"}
        </button>
        <button
          type="button"
          class={props.danger ? "button button-danger" : "button button-primary"}
          disabled={props.busy}
          onClick={props.onConfirm}
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
