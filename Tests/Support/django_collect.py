#!/usr/bin/env python3
"""Reference runner: Django's `collectstatic` with ManifestStaticFilesStorage.

The Swift tests run this as a subprocess and compare Hush's output with what it
writes, byte for byte. It configures Django in-process (no project, no database)
and runs the real management command, so every rule comes from Django itself.

    python django_collect.py --output STATIC_ROOT [--static-url /static/]
        [--js-modules] [--ignore GLOB]... [--clear] SOURCE...

SOURCE is DIR or PREFIX=DIR (split at the first "="), which becomes Django's
("PREFIX", "DIR") STATICFILES_DIRS entry. Sources keep their order: the first
one holding a path wins, as with Django's FileSystemFinder.

Only FileSystemFinder is configured (no app directories). `--js-modules` uses a
subclass with `support_js_module_import_aggregation = True`. Django's default
ignore patterns (CVS, .*, *~) always apply; `--ignore` adds to them.

Exit status 0 on success. On failure, exit 1 and print exactly one line on
stderr: `django: <message>`, where <message> is Django's error text with the
"Post-processing 'NAME' failed!" line that collectstatic prints before it
prepended, and newlines written as the two characters `\\n` (and backslashes
as `\\\\`), so the line can be parsed back exactly. The one change to
Django's text: the storage repr's memory address (`<... object at 0x7f..>`)
is dropped, so the line is the same on every run.

Nothing is written outside STATIC_ROOT: no bytecode, no settings module, no
database. Run it on a fresh (or absent) STATIC_ROOT when comparing: like
`manage.py collectstatic`, it does not remove files left by earlier runs, and
it reads an existing staticfiles.json there.

Python >= 3.12, standard library + Django (6.1).
"""

import sys

# Importing Django must not leave __pycache__ directories behind.
sys.dont_write_bytecode = True

import argparse  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402


def escape_line(text):
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def fail(message):
    sys.stderr.write("django: " + escape_line(message) + "\n")
    sys.exit(1)


def parse_source(arg):
    prefix, sep, directory = arg.partition("=")
    if sep:
        return (prefix, os.path.abspath(directory))
    return os.path.abspath(arg)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Run Django's collectstatic (ManifestStaticFilesStorage)."
    )
    parser.add_argument("--output", required=True, help="STATIC_ROOT")
    parser.add_argument("--static-url", default="/static/", help="STATIC_URL")
    parser.add_argument(
        "--js-modules",
        action="store_true",
        help="support_js_module_import_aggregation = True",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="GLOB",
        help="extra ignore pattern (added to CVS, .*, *~)",
    )
    parser.add_argument(
        "--clear",
        action="store_true",
        help="collectstatic --clear: delete existing files in STATIC_ROOT first",
    )
    parser.add_argument("sources", nargs="+", metavar="SOURCE")
    return parser.parse_args(argv)


def main(argv):
    if sys.version_info < (3, 12):
        fail("Python >= 3.12 is required (Django 6.1)")
    args = parse_args(argv)

    try:
        import django
        from django.conf import settings
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
        from django.core.management import call_command
    except ImportError as exc:
        fail(f"cannot import Django: {exc}")

    class JSModuleManifestStaticFilesStorage(ManifestStaticFilesStorage):
        support_js_module_import_aggregation = True

    # STORAGES takes a dotted path; this module runs as __main__ (or is
    # imported under its own name), so register the class where
    # import_string() can find it.
    # A plain name in Django's error text ("with <...Storage object ...>").
    JSModuleManifestStaticFilesStorage.__qualname__ = "JSModuleManifestStaticFilesStorage"
    module = sys.modules[__name__]
    module.JSModuleManifestStaticFilesStorage = JSModuleManifestStaticFilesStorage
    storage_backend = (
        f"{__name__}.JSModuleManifestStaticFilesStorage"
        if args.js_modules
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    )

    settings.configure(
        DEBUG=False,
        SECRET_KEY="hush-django-collect-reference",
        INSTALLED_APPS=["django.contrib.staticfiles"],
        DATABASES={},
        STATIC_URL=args.static_url,
        STATIC_ROOT=os.path.abspath(args.output),
        STATICFILES_DIRS=[parse_source(s) for s in args.sources],
        STATICFILES_FINDERS=[
            "django.contrib.staticfiles.finders.FileSystemFinder",
        ],
        STORAGES={
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
            },
            "staticfiles": {"BACKEND": storage_backend},
        },
        LOGGING_CONFIG=None,
    )

    out, err = io.StringIO(), io.StringIO()
    try:
        django.setup()
        call_command(
            "collectstatic",
            interactive=False,
            verbosity=0,
            clear=args.clear,
            ignore_patterns=list(args.ignore),
            # Run the staticfiles system checks as manage.py would (e.g. a
            # prefix ending in "/", STATIC_ROOT listed as a source).
            skip_checks=False,
            stdout=out,
            stderr=err,
        )
    except Exception as exc:  # one line, never a traceback
        # collectstatic writes "Post-processing 'NAME' failed!" to stderr
        # before raising; it is the only place that names the files of a
        # cycle ("Max post-process passes exceeded.").
        context = [
            line for line in err.getvalue().splitlines() if line.strip()
        ]
        message = str(exc).rstrip() or type(exc).__name__
        # "with <...ManifestStaticFilesStorage object at 0x7f...>" differs on
        # every run; drop the address so the line is stable.
        message = re.sub(r" object at 0x[0-9a-fA-F]+>", ">", message)
        fail("\n".join(context + [message]))
    # Warnings from the system checks (e.g. W004: a source directory that
    # does not exist, which Django skips) do not fail the run; pass them on.
    for line in err.getvalue().splitlines():
        if line.strip():
            sys.stderr.write("django-warning: " + escape_line(line) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
