"""The dev stack's stand-in for oauth2-proxy: sign-in page, identity headers, the dashboard."""
