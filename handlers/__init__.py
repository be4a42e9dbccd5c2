"""HTTP endpoints, one module per service; each module exposes ``api`` (a ``palm.api.Api``)."""
