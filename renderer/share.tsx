import { useState } from 'preact/hooks';

/** "Others can connect to 10.0.0.5:47001" with a copy button. */
export function ShareAddress({
  address,
  label = 'Others can connect to',
}: {
  address: string;
  label?: string;
}) {
  const [copied, setCopied] = useState(false);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(address);
    } catch {
      // No clipboard permission (a plain browser page): select-and-copy by hand.
      const t = document.createElement('textarea');
      t.value = address;
      document.body.appendChild(t);
      t.select();
      document.execCommand('copy');
      t.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2_000);
  };
  return (
    <p class="share" data-testid="share-address">
      {label} <code class="address">{address}</code>
      <button class="small" onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </p>
  );
}
