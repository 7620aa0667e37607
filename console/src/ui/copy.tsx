import { useRef, useState } from 'preact/hooks';

/** Copies a value to the clipboard; where the Clipboard API is unavailable (plain HTTP), selects it for Ctrl+C. */
export function CopyButton({ value, label, targetId }: { value: string; label: string; targetId: string }) {
  const [copied, setCopied] = useState<'yes' | 'select' | undefined>();
  const timer = useRef<number | undefined>(undefined);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      const target = document.getElementById(targetId);
      if (target) window.getSelection()?.selectAllChildren(target);
      setCopied('select');
    }
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setCopied(undefined), 4000);
  };
  return (
    <>
      <button type="button" onClick={copy}>
        {label}
      </button>
      <span class="copy-state" role="status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'select' ? 'Selected: press Ctrl+C (⌘C) to copy.' : ''}
      </span>
    </>
  );
}
