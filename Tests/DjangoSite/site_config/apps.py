from django.contrib.staticfiles.apps import StaticFilesConfig


class SiteStaticFilesConfig(StaticFilesConfig):
    # Django's documented way to change collectstatic's default ignore patterns.
    ignore_patterns = ["CVS", ".*", "*~", "*.scss"]
