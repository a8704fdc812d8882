"""An example humangate challenge plugin: "wait N seconds, then confirm".

Installed as its own distribution (see pyproject.toml here), it is found through the
``humangate.challenges`` entry-point group; nothing in humangate itself names it.
"""

from __future__ import annotations

from integrations.plugin_example.wait_step import WaitStep

__all__ = ["WaitStep"]
