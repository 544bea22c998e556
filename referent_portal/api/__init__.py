"""The REST API for the syndicat mixte's systems (`/api/v1/`), its schema and its docs."""
