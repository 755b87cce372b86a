"""The HTML of the development sign-in page (and the page shown when the dashboard is not built).

Plain, accessible HTML with no script: the page is what a newcomer meets first
after ``make dev``, and axe-core checks it like the dashboard's pages. It says
plainly that it exists only in the local dev stack.
"""

from __future__ import annotations

from html import escape

SUGGESTED = (
    ("ada@example.org", False, "Ada, a learner"),
    ("bob@example.org", False, "Bob, another learner"),
    ("admin@example.org", True, "An administrator"),
)

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #f4f5f7; }
main { max-width: 32rem; margin: 2rem auto; padding: 1.5rem; background: #fff;
       border-radius: 8px; border: 1px solid #d0d4da; }
.warning { background: #fff4d6; border: 2px solid #8a5a00; color: #4a3000; padding: .75rem;
           border-radius: 6px; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input[type=email] { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box;
                    border: 1px solid #5f6670; border-radius: 4px; }
.check { display: flex; gap: .5rem; align-items: center; font-weight: 400; }
button { margin-top: 1rem; padding: .5rem 1rem; font-size: 1rem; border-radius: 4px;
         border: 1px solid #0b4f9c; background: #0b5cad; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: #0b4f9c; }
:focus-visible { outline: 3px solid #b35c00; outline-offset: 2px; }
.error { color: #a4001c; font-weight: 600; }
ul { padding-left: 0; list-style: none; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def sign_in_page(rd: str, *, error: str | None = None, email: str = "") -> str:
    quick = "".join(
        f'<li><form method="post" action="/oauth2/sign_in">'
        f'<input type="hidden" name="rd" value="{escape(rd)}">'
        f'<input type="hidden" name="email" value="{escape(address)}">'
        + ('<input type="hidden" name="admin" value="on">' if admin else "")
        + f'<button class="secondary" type="submit">Sign in as {escape(who)} '
        f"({escape(address)})</button></form></li>"
        for address, admin, who in SUGGESTED
    )
    problem = f'<p class="error" role="alert" id="error">{escape(error)}</p>' if error else ""
    described = ' aria-describedby="error" aria-invalid="true"' if error else ""
    return _page(
        "Development sign-in · Orchestra",
        "<h1>Development sign-in</h1>"
        '<p class="warning"><strong>Local dev stack only.</strong> Anyone can sign in as '
        "anyone here: there is no password. In production, oauth2-proxy and your identity "
        "provider take this page's place.</p>"
        f"{problem}"
        '<form method="post" action="/oauth2/sign_in">'
        f'<input type="hidden" name="rd" value="{escape(rd)}">'
        '<label for="email">Email</label>'
        f'<input id="email" name="email" type="email" required autocomplete="email" '
        f'value="{escape(email)}"{described}>'
        '<label class="check"><input type="checkbox" name="admin"> Sign in as an admin</label>'
        '<button type="submit">Sign in</button></form>'
        "<h2>Or pick someone</h2>"
        f"<ul>{quick}</ul>",
    )


def not_built_page(directory: str) -> str:
    return _page(
        "Dashboard not built · Orchestra",
        "<h1>The dashboard is not built</h1>"
        f"<p>No <code>index.html</code> in <code>{escape(directory)}</code>. "
        "<code>make dev</code> builds it; by hand: <code>cd frontend && npm ci && "
        "npm run build</code>.</p>",
    )
