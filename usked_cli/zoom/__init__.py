"""Zoom REST API v2: the client (client.py), its errors (errors.py) and records (models.py).

Kept import-free so `import usked_cli.zoom` costs nothing: httpx loads with `usked_cli.zoom.client`.
"""
