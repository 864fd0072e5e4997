/// The Python that `hush collect --django` and `hush django-sources` run with the project's own
/// interpreter (`python -c`), from the directory holding manage.py, with DJANGO_SETTINGS_MODULE
/// set. It asks Django — not a copy of its rules — what `collectstatic` would do, and prints one
/// JSON object on stdout: either the plan (see ``DjangoProject``) or `{"error": "one line"}`.
///
/// Kept in the binary so that Hush stays one self-contained file. What it accepts:
/// - finders: `FileSystemFinder` and `AppDirectoriesFinder` (or subclasses that add nothing but
///   documentation); `collectstatic` walks finders in STATICFILES_FINDERS order and the first
///   file found under a name wins, so their directories in that order are Hush's sources.
/// - storage: Django's `ManifestStaticFilesStorage`, WhiteNoise's or ServeStatic's
///   `CompressedManifestStaticFilesStorage`, or a subclass of one whose own classes set only
///   `support_js_module_import_aggregation`, `manifest_strict`, `max_post_process_passes` or
///   `keep_only_hashed_files` (the rules Hush reproduces) — anything else (a `patterns`,
///   `hashed_name` or `manifest_name` override) might change the output, so it is refused.
/// - ignore patterns: the staticfiles app config's `ignore_patterns` (what `collectstatic` adds
///   unless `--no-default-ignore`), refused when they leave out one of Django's defaults, which
///   Hush always applies.
enum DjangoIntrospection {
    static let script = #"""
        import json, os, sys
        sys.dont_write_bytecode = True
        sys.path.insert(0, os.getcwd())  # as manage.py's own directory is on sys.path
        real_stdout, sys.stdout = sys.stdout, sys.stderr  # settings that print must not corrupt the JSON

        def one_line(text):
            return " ".join(str(text).split())

        def done(obj):
            real_stdout.write(json.dumps(obj) + "\n")
            real_stdout.flush()
            sys.exit(0)

        def name(cls):
            return cls.__module__ + "." + cls.__qualname__

        DOC = {"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__firstlineno__",
               "__static_attributes__", "__annotations__", "__orig_bases__", "__parameters__"}

        def plain_subclass(obj, bases, allowed):
            # The first known base in the MRO, provided every class before it sets only allowed names.
            if not any(name(cls) in bases for cls in type(obj).__mro__):
                return None, name(type(obj))
            for cls in type(obj).__mro__:
                if name(cls) in bases:
                    return name(cls), None
                extra = sorted(set(vars(cls)) - DOC - allowed)
                if extra:
                    return None, name(type(obj)) + " overrides " + ", ".join(extra)

        try:
            import django
        except Exception as exc:
            done({"error": "cannot import Django with " + sys.executable + " (" + one_line(exc) + "): pass --python or activate the project's virtualenv"})
        settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
        try:
            django.setup()
            from django.apps import apps
            from django.conf import settings
            from django.contrib.staticfiles import finders
            from django.core.files.storage import storages
            storage = storages["staticfiles"]
            found = list(finders.get_finders())
        except Exception as exc:
            done({"error": "settings " + settings_module + ": " + type(exc).__name__ + ": " + one_line(exc)})

        sources, skipped, finder_names = [], [], []
        for finder in found:
            base, problem = plain_subclass(finder, {"django.contrib.staticfiles.finders.FileSystemFinder",
                                                    "django.contrib.staticfiles.finders.AppDirectoriesFinder"}, set())
            if base is None:
                done({"error": "staticfiles finder " + problem + ": Hush reproduces only FileSystemFinder and AppDirectoriesFinder"})
            finder_names.append(name(type(finder)))
            if base.endswith("FileSystemFinder"):
                for prefix, root in finder.locations:
                    entry = {"prefix": prefix, "path": os.path.abspath(root), "origin": "STATICFILES_DIRS"}
                    (sources if os.path.isdir(root) else skipped).append(entry)  # Django skips a missing one (W004)
            else:
                for app in finder.apps:
                    location = finder.storages[app].location
                    sources.append({"prefix": getattr(finder.storages[app], "prefix", None) or "",
                                    "path": os.path.abspath(location), "origin": "app " + app})

        base, problem = plain_subclass(storage, {
            "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
            "servestatic.storage.CompressedManifestStaticFilesStorage",
        }, {"support_js_module_import_aggregation", "manifest_strict", "max_post_process_passes", "keep_only_hashed_files"})
        if base is None:
            done({"error": "staticfiles storage " + problem + ": Hush reproduces ManifestStaticFilesStorage and WhiteNoise's or ServeStatic's CompressedManifestStaticFilesStorage"})
        manifest_storage = getattr(storage, "manifest_storage", storage)
        if storage.manifest_name != "staticfiles.json" or os.path.abspath(manifest_storage.location or "") != os.path.abspath(storage.location or ""):
            done({"error": "staticfiles storage " + name(type(storage)) + " writes its manifest elsewhere than STATIC_ROOT/staticfiles.json"})

        ignore = list(apps.get_app_config("staticfiles").ignore_patterns)
        missing = [p for p in ("CVS", ".*", "*~") if p not in ignore]
        if missing:
            done({"error": "staticfiles app config " + name(type(apps.get_app_config("staticfiles"))) + " drops the default ignore pattern(s) " + ", ".join(missing) + ", which Hush always applies"})

        done({
            "django": django.get_version(),
            "settings": settings_module,
            "staticRoot": os.path.abspath(storage.location) if storage.location else None,
            "staticURL": storage.base_url,
            "sources": sources,
            "skipped": skipped,
            "finders": finder_names,
            "ignorePatterns": ignore,
            "storage": name(type(storage)),
            "jsModules": bool(getattr(storage, "support_js_module_import_aggregation", False)),
            "keepOnlyHashed": bool(getattr(storage, "keep_only_hashed_files", False)),
        })
        """#
}
