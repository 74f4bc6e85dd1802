import type { Principal } from "@parakey-bridge/auth";
import type { Child } from "hono/jsx";

/**
 * The page frame. No script anywhere: forms and links only, so the Content-Security-Policy can
 * forbid scripts altogether. Every value is rendered through JSX, which escapes text and attributes
 * (event payloads and ids are untrusted input); nothing is inserted as raw HTML.
 */
export function Layout(props: { title: string; principal?: Principal | undefined; children?: Child }) {
  const roles = props.principal ? [...props.principal.roles].sort().join(", ") : "";
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>{`${props.title} · parakey-bridge console`}</title>
        <link rel="stylesheet" href="/ui/console.css" />
      </head>
      <body>
        <header>
          <strong>parakey-bridge console</strong>
          {props.principal && (
            <nav>
              <a href="/ui">Completeness</a>
              <a href="/ui/events">Event lookup</a>
              <a href="/ui/operations">Dead letters &amp; health</a>
              <span class="who">
                {props.principal.id} ({roles})
              </span>
              <form method="post" action="/ui/logout" class="inline">
                <button type="submit">Sign out</button>
              </form>
            </nav>
          )}
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** The stylesheet, served from /ui/console.css (CSP: style-src 'self', no inline styles). */
export const CONSOLE_CSS = `
body { font-family: system-ui, sans-serif; margin: 0; color: #1c2430; background: #f6f7f9; }
header { background: #1c2430; color: #fff; padding: .6rem 1rem; display: flex; gap: 1.5rem; align-items: center; }
header nav { display: flex; gap: 1rem; align-items: center; flex: 1; }
header a { color: #cfe3ff; }
header .who { margin-left: auto; color: #aab; }
main { padding: 1rem 1.5rem; }
table { border-collapse: collapse; background: #fff; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d6d9de; padding: .3rem .6rem; text-align: left; font-size: .9rem; }
td.complete { background: #c9f2d0; }
td.incomplete { background: #ffc9c9; }
td.empty { background: #eceef1; color: #889; }
td.complete a, td.incomplete a { color: #1c2430; font-weight: 600; }
form.inline { display: inline; margin: 0; }
form.filters { display: flex; gap: .6rem; align-items: end; margin: .5rem 0 1rem; }
label { display: flex; flex-direction: column; font-size: .8rem; gap: .2rem; }
input { padding: .3rem; }
button { padding: .35rem .8rem; cursor: pointer; }
button.danger { background: #b3261e; color: #fff; border: 0; }
.notice { background: #fff6d6; border: 1px solid #e8d48a; padding: .5rem .8rem; }
.error { background: #ffe1e1; border: 1px solid #e8a0a0; padding: .5rem .8rem; }
code, .id { font-family: ui-monospace, monospace; font-size: .85rem; }
ul.ids { columns: 2; }
`;
