"""A Linear GraphQL API clone, served from a cut of Linear's own public schema.

A template app: it never imports asymkit. It meets the SDK over HTTP (the
GraphQL endpoint and the ``/clone/...`` admin endpoints) and over SQL.
"""
