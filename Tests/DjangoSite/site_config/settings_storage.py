from .settings import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "site_config.variants.CustomPatternsStorage"}  # noqa: F405
