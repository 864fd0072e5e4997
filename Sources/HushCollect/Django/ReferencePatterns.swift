/// Django 6.1's reference patterns (`HashedFilesMixin.patterns` and, with
/// `support_js_module_import_aggregation`, `_js_module_import_aggregation_patterns`), spelled as
/// Django spells them and compiled with `re.IGNORECASE` as Django compiles them.
struct ReferenceRule: Sendable {
    let pattern: BacktrackingPattern
    let template: ReplacementTemplate
    let ignored: IgnoredBlocks.Syntax
    let urlGroup: Int
    let matchedGroup: Int
    /// A `sourceMappingURL` rule: a missing target may be tolerated (`--missing-sourcemaps warn`).
    let isSourceMap: Bool
}

/// A `%(name)s` template as Django fills it with `template % matches`.
struct ReplacementTemplate: Sendable {
    enum Piece: Sendable {
        case text(String)
        case group(String)
    }

    let pieces: [Piece]

    init(_ template: String) {
        var pieces: [Piece] = []
        var text = ""
        var scalars = template.unicodeScalars[...]
        while let c = scalars.first {
            scalars = scalars.dropFirst()
            if c == "%", scalars.first == "(", let close = scalars.firstIndex(of: ")") {
                if !text.isEmpty {
                    pieces.append(.text(text))
                    text = ""
                }
                pieces.append(.group(String(String.UnicodeScalarView(scalars.dropFirst()[..<close]))))
                scalars = scalars[scalars.index(after: close)...].dropFirst()  // the "s"
            } else {
                text.unicodeScalars.append(c)
            }
        }
        if !text.isEmpty { pieces.append(.text(text)) }
        self.pieces = pieces
    }
}

enum ReferencePatterns {
    static let defaultTemplate = #"url("%(url)s")"#

    static let cssSources = [
        #"(?P<matched>url\((?P<quote>['"]{0,1})\s*(?P<url>.*?)(?P=quote)\))"#,
        #"(?P<matched>@import\s*["']\s*(?P<url>.*?)["'])"#,
        #"(?m)^(?P<matched>/\*#[ \t](?-i:sourceMappingURL)=(?P<url>.*)[ \t]*\*/)$"#,
    ]
    static let javaScriptSources = [
        #"(?m)^(?P<matched>//# (?-i:sourceMappingURL)=(?P<url>.*))$"#
    ]
    static let javaScriptModuleSources = [
        #"(?P<matched>import(?P<import>[\s\{][^;]*?|\*\s*as\s*\w+)\s*from\s*['"](?P<url>[./].*?)["'])"#,
        #"(?P<matched>export(?P<exports>[\s\{][^;]*?)\s*from\s*["'](?P<url>[./].*?)["'])"#,
        #"(?P<matched>import\s*['"](?P<url>[./].*?)["'])"#,
        #"(?P<matched>import\(["'](?P<url>[./].*?)["']\))"#,
    ]

    /// The rules for `*.css`, in Django's order.
    static let css: [ReferenceRule] = [
        rule(cssSources[0], defaultTemplate, .css),
        rule(cssSources[1], #"@import url("%(url)s")"#, .css),
        rule(cssSources[2], "/*# sourceMappingURL=%(url)s */", .css, isSourceMap: true),
    ]

    /// The rules for `*.js` Django always applies.
    static let javaScript: [ReferenceRule] = [
        rule(javaScriptSources[0], "//# sourceMappingURL=%(url)s", .javaScript, isSourceMap: true)
    ]

    /// ES module rules, applied after ``javaScript`` with `--js-modules`.
    static let javaScriptModules: [ReferenceRule] = [
        rule(javaScriptModuleSources[0], #"import%(import)s from "%(url)s""#, .javaScript),
        rule(javaScriptModuleSources[1], #"export%(exports)s from "%(url)s""#, .javaScript),
        rule(javaScriptModuleSources[2], #"import"%(url)s""#, .javaScript),
        rule(javaScriptModuleSources[3], #"import("%(url)s")"#, .javaScript),
    ]

    /// The rules for a file, chosen by `fnmatchcase(path, "*.css")` / `"*.js"` as Django does
    /// (case-sensitive), or an empty list when the file is not rewritten.
    static func rules(for path: String, jsModules: Bool) -> [ReferenceRule] {
        if PythonString.hasSuffix(path, ".css") { return css }
        if PythonString.hasSuffix(path, ".js") { return jsModules ? javaScript + javaScriptModules : javaScript }
        return []
    }

    private static func rule(
        _ source: String,
        _ template: String,
        _ ignored: IgnoredBlocks.Syntax,
        isSourceMap: Bool = false
    ) -> ReferenceRule {
        // The sources above are constants checked by the tests; a syntax error, or a rule without
        // its `url` and `matched` groups, is a bug in Hush (so `try!` and the two `!` below).
        // swift-format-ignore: NeverUseForceTry
        let pattern = try! BacktrackingPattern(source, ignoreCase: true)
        // swift-format-ignore: NeverForceUnwrap
        return ReferenceRule(
            pattern: pattern,
            template: ReplacementTemplate(template),
            ignored: ignored,
            urlGroup: pattern.groupNames["url"]!,
            matchedGroup: pattern.groupNames["matched"]!,
            isSourceMap: isSourceMap
        )
    }
}
