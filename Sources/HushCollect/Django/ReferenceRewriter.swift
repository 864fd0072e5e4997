/// Rewrites the references in one CSS or JS file to hashed names, exactly as Django 6.1's
/// `HashedFilesMixin._post_process` does for one pass: each rule in turn, over the output of the
/// previous one, skipping matches inside comments and strings, leaving external and
/// non-static URLs alone.
struct ReferenceRewriter: Sendable {
    let naming: DjangoNaming
    let jsModules: Bool
    var missingSourceMaps = MissingSourceMaps.error

    /// A reference that failed, with where it stands.
    struct Failure: Error, Equatable {
        let reason: ReferenceFailure
        /// 1-based line of the match in the file.
        let line: Int
        /// The matched text, e.g. `url(../img/a.png)`.
        let matched: String
    }

    /// Whether Django rewrites the file at `path` at all.
    func rewrites(_ path: String) -> Bool {
        !ReferencePatterns.rules(for: path, jsModules: jsModules).isEmpty
    }

    /// `content` (valid UTF-8) of the collected file `name` (found at source-relative `path`)
    /// with every reference replaced. Under `--missing-sourcemaps warn` a source map reference
    /// whose map is missing stays as written and is appended to `missingMaps`.
    func rewrite(
        _ content: [UInt8],
        name: String,
        path: String,
        lookup: some HashedNameLookup,
        missingMaps: inout [MissingMap]
    ) throws(Failure) -> [UInt8] {
        var current = content
        for rule in ReferencePatterns.rules(for: path, jsModules: jsModules) {
            current = try apply(rule, to: current, name: name, lookup: lookup, missingMaps: &missingMaps)
        }
        return current
    }

    private func apply(
        _ rule: ReferenceRule,
        to content: [UInt8],
        name: String,
        lookup: some HashedNameLookup,
        missingMaps: inout [MissingMap]
    ) throws(Failure) -> [UInt8] {
        var missing: [MissingMap] = []
        var failure: Failure?
        let output: [UInt8]? = content.withUnsafeBufferPointer { text -> [UInt8]? in
            let matches = rule.pattern.matches(in: text)
            guard !matches.isEmpty else { return nil }
            let blocks = IgnoredBlocks.find(in: text, syntax: rule.ignored)
            var out: [UInt8] = []
            out.reserveCapacity(text.count + matches.count * 16)
            var last = 0
            for match in matches {
                let range = match.range
                out.append(contentsOf: text[last..<range.lowerBound])
                last = range.upperBound
                if IgnoredBlocks.contains(blocks, range.lowerBound) {
                    out.append(contentsOf: text[range])
                    continue
                }
                func string(_ group: Int) -> String? {
                    match.groups[group].map { String(decoding: text[$0], as: UTF8.self) }
                }
                let url = string(rule.urlGroup) ?? ""
                do throws(ReferenceFailure) {
                    guard let replacementURL = try convert(url, name: name, lookup: lookup) else {
                        out.append(contentsOf: text[range])
                        continue
                    }
                    for piece in rule.template.pieces {
                        switch piece {
                        case .text(let literal): out.append(contentsOf: literal.utf8)
                        case .group("url"): out.append(contentsOf: replacementURL.utf8)
                        case .group(let groupName):
                            // Python's `%` formats a group that did not take part as "None".
                            let value = rule.pattern.groupNames[groupName].flatMap { string($0) } ?? "None"
                            out.append(contentsOf: value.utf8)
                        }
                    }
                } catch {
                    let line = 1 + text[..<range.lowerBound].reduce(0) { $0 + ($1 == 0x0a ? 1 : 0) }
                    if rule.isSourceMap, missingSourceMaps == .warn, case .missing(let target) = error {
                        // Left exactly as written, as if the converter had declined the URL.
                        missing.append(
                            MissingMap(line: line, reference: string(rule.matchedGroup) ?? url, target: target)
                        )
                        out.append(contentsOf: text[range])
                        continue
                    }
                    failure = Failure(reason: error, line: line, matched: string(rule.matchedGroup) ?? url)
                    return nil
                }
            }
            out.append(contentsOf: text[last...])
            return out
        }
        if let failure { throw failure }
        missingMaps += missing
        return output ?? content
    }

    /// The converter of Django's `url_converter`: the new URL text, or nil to leave the match as it is.
    func convert(_ url: String, name: String, lookup: some HashedNameLookup) throws(ReferenceFailure) -> String? {
        // Absolute, protocol-relative and data URLs: `re.match(r"^[a-z]+:", url)` (lowercase only).
        let scalars = Array(url.unicodeScalars)
        let letters = scalars.prefix { ("a"..."z").contains($0) }.count
        if letters > 0 && letters < scalars.count && scalars[letters] == ":" { return nil }
        if PythonString.hasPrefix(url, "//") { return nil }
        if PythonString.hasPrefix(url, "/") && !PythonString.hasPrefix(url, naming.staticURL) { return nil }

        let (urlPath, fragment) = PythonURL.urldefrag(url)
        if urlPath.isEmpty { return nil }
        let targetName: String
        if PythonString.hasPrefix(urlPath, "/") {
            guard PythonString.hasPrefix(urlPath, naming.staticURL) else {
                throw .unsupported("\(url) is under STATIC_URL only before its fragment is removed")
            }
            targetName = PythonString.dropPrefix(urlPath, naming.staticURL.unicodeScalars.count)
        } else {
            targetName = PosixPath.join(PosixPath.dirname(name), urlPath)
        }
        let hashedURL = try naming.url(PythonURL.unquote(targetName), lookup: lookup)
        var parts = Array(PythonString.split(urlPath, "/").dropLast())
        parts.append(PythonString.split(hashedURL, "/").last ?? "")
        var transformed = parts.joined(separator: "/")
        if !fragment.isEmpty {
            transformed += (PythonString.contains(url, substring: "?#") ? "?#" : "#") + fragment
        }
        return PythonURL.unquote(transformed)
    }
}

/// A source map reference left as written because its map is in no source.
struct MissingMap: Sendable, Equatable {
    /// 1-based line of the reference.
    var line: Int
    /// The matched text, e.g. `//# sourceMappingURL=app.js.map`.
    var reference: String
    /// The collected name the map was looked up as.
    var target: String
}
