"""The dashboard's API client is generated from the api's current OpenAPI document.

Two links, each checked: ``frontend/openapi.json`` is what the api serves today
(``orchestra-api openapi`` writes it), and ``frontend/src/client/schema.d.ts`` is
what openapi-typescript makes of that file. Change a route or a body and forget
to regenerate (``orchestra-api openapi > frontend/openapi.json && cd frontend &&
npm run generate``): one of these fails, naming the command.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from orchestra_api.config import ApiSettings
from orchestra_api.main import create_app
from orchestra_shared.catalogs import Catalog

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
REGENERATE = "orchestra-api openapi > frontend/openapi.json && (cd frontend && npm run generate)"


def test_the_dashboards_copy_of_the_openapi_document_is_the_apis_current_one() -> None:
    served = create_app(ApiSettings(environment="development"), Catalog(templates={})).openapi()
    committed = json.loads((FRONTEND / "openapi.json").read_text())
    assert committed == json.loads(json.dumps(served)), f"stale; run: {REGENERATE}"


def test_the_generated_client_is_what_openapi_typescript_makes_of_it(tmp_path: Path) -> None:
    generator = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
    assert generator.exists(), "npm packages missing: `make frontend` installs them"
    node = shutil.which("node")
    assert node, "Node.js missing: `make frontend` installs it"
    output = tmp_path / "schema.d.ts"
    subprocess.run(
        [str(generator), str(FRONTEND / "openapi.json"), "-o", str(output)],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = (FRONTEND / "src" / "client" / "schema.d.ts").read_text()
    assert output.read_text() == committed, f"stale; run: {REGENERATE}"
