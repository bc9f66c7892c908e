"""The HTTP edge: schemas, routes and the translation of domain errors to problem+json."""
