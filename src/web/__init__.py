"""The staff pages: server-rendered HTML for the municipality's staff, beside the API in one application.

Pages call the same application service and queries as the API's routes
(through `api.services`), never the API over HTTP. `web.app.create_app` is the
whole site: the API under `/api/v1` and the pages at `/`. docs/web.md says how
pages are built, how to sign in in development, and which role sees which page.
"""
