"""The documentation site's reference pages, written from the code before every build.

``orchestra-docs generate`` (run by ``scripts/docs.sh``) renders the template field
reference from the template model's JSON Schema, the chart values from
``values.schema.json``, the Workshop CRD's fields, every service's settings, the events
(an AsyncAPI document faststream builds from the contracts in ``orchestra_shared``) and
the api's OpenAPI document. The pages are never committed: a changed field changes the
docs at the next build, and nothing can go stale.
"""
