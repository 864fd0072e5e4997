/// HushCollect: source dirs → STATIC_ROOT with hashed names, rewritten references and
/// Django's `staticfiles.json`.
public enum HushCollect {}
