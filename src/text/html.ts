/**
 * HTML for pages a person opens from a case folder: text from the logs escaped so it stays text
 * (no markup, no attribute break-out), and a Content-Security-Policy that lets the page load
 * nothing — no script, image, font or style from anywhere but itself — so it works from
 * `file://` on a machine with no network and cannot call out.
 */
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

// eslint-disable-next-line no-control-regex -- control characters are what is being escaped
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** `text` as HTML text or attribute value; control characters shown as escapes too. */
export function htmlText(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
    .replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export const PAGE_CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;

/** A whole page: title, inline CSS, body. */
export function htmlPage(title: string, css: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlText(title)}</title>
<style>${css}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
