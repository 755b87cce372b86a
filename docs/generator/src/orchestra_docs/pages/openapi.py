"""The api's OpenAPI document, for the site's HTTP API pages (starlight-openapi).

The same document ``orchestra-api openapi`` prints and the dashboard's client is
generated from; it needs no database, catalog or secret.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestra_api.config import ApiSettings
from orchestra_api.main import create_app
from orchestra_docs.documents import PUBLIC, Document
from orchestra_shared.catalogs import Catalog


def generate(root: Path) -> list[Document]:
    app = create_app(ApiSettings(environment="development"), Catalog(templates={}))
    text = json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"
    return [Document(PUBLIC / "openapi.json", text)]
