"""Django integration: add ``"humangate.contrib.django"`` to INSTALLED_APPS and
``"humangate.contrib.django.middleware.HumanGateMiddleware"`` near the top of MIDDLEWARE
(see :mod:`humangate.contrib.django.checks` for why), and configure one ``HUMANGATE``
dict whose keys are :class:`humangate.Config` fields.
"""
