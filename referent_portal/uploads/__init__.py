"""Uploaded files, one rule for every app: what is accepted, where it is stored, how it is served.

- `types`: the closed list of accepted formats — extension → the one Content-Type it is served
  with → how its content is recognised.
- `validation`: `validate_upload()` checks name, size and content against that list.
- `storage`: `UnguessableName(kind)` for every `upload_to`: `<kind>/<uuid4 hex>`, no original
  name, no date; the original name lives in a field of the row.
- `cleanup`: `atomic_with_files()` deletes the files stored in a transaction that does not
  commit; `purge_orphans()` removes, after a grace period, files no row references.
- `responses`: `file_response()` serves a stored file as a download that never renders in the
  portal's origin.
- `forms`: the file fields of the portal's forms.

Nothing under MEDIA_ROOT is served by URL: every download goes through a view that checks who
asks, then `file_response()`.
"""
