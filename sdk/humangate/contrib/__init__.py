"""Framework integrations: Django (``humangate.contrib.django``), Flask
(``humangate.contrib.flask``) and Starlette/FastAPI (``humangate.contrib.starlette``).

Each only translates between its framework and the sans-IO engine; none decides anything.
"""
