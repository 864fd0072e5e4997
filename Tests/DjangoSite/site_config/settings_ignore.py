from .settings import *  # noqa: F403

INSTALLED_APPS = [  # noqa: F405
    "site_config.variants.NoDefaultsStaticFilesConfig" if app.endswith("SiteStaticFilesConfig") else app
    for app in INSTALLED_APPS  # noqa: F405
]
