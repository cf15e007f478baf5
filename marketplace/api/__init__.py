"""Open data and the JSON API under ``/api/v1``: public lists, token-authenticated private reads
of an organisation's own bids and projects, an OCDS 1.1 release package, and the OpenAPI
document spectree generates from the same pydantic schemas that validate the responses."""
