"""The hosts' side: one driver, and the WSGI/ASGI translations that use it."""
