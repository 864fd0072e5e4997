/// libFuzzer target: the CSS/JS reference rewriter (Django's `url()`, `@import`,
/// `sourceMappingURL` and, with `--js-modules`, ES module rules) on arbitrary UTF-8 file contents.
///
/// Invalid UTF-8 is skipped, as the collector refuses it before rewriting. Every input is
/// rewritten as a CSS file, a JS file and a JS module file, against a tree where most names
/// exist. Checked beyond "no crash":
/// - the output is valid UTF-8 and the same on a second run (failures too);
/// - a file in which no rule matches comes back byte for byte;
/// - a failure names a line of the file, and so does each source map left as written (the JS
///   case runs with `--missing-sourcemaps warn`).

private struct FuzzTree: HashedNameLookup {
    func hashedName(ofCollected key: String) throws(ReferenceFailure) -> String? {
        key.hasSuffix("cached.css") ? "css/cached.0123456789ab.css" : nil
    }
    func entry(at path: String) -> TreeEntry {
        if path.contains("missing") { return .missing }
        if path.isEmpty || path.hasSuffix("dir") { return .directory }
        return .file(originalHash: "0123456789ab")
    }
}

private let naming = DjangoNaming(staticURL: "/static/")
private let cases: [(ReferenceRewriter, name: String)] = [
    (ReferenceRewriter(naming: naming, jsModules: false), "css/site/app.css"),
    (ReferenceRewriter(naming: naming, jsModules: false, missingSourceMaps: .warn), "js/app.js"),
    (ReferenceRewriter(naming: naming, jsModules: true), "js/lib/module.js"),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRewriter(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: count))
    guard String(validating: input, as: UTF8.self) != nil else { return 0 }
    let lines = 1 + input.reduce(0) { $0 + ($1 == 0x0a ? 1 : 0) }
    for (rewriter, name) in cases {
        let first = outcome(rewriter, input, name)
        let second = outcome(rewriter, input, name)
        require(first == second, "rewriting \(name) twice differs")
        switch first {
        case .success(let rewritten):
            let output = rewritten.output
            require(String(validating: output, as: UTF8.self) != nil, "rewritten \(name) is not valid UTF-8")
            for map in rewritten.missingMaps {
                require(map.line >= 1 && map.line <= lines, "missing map on line \(map.line) of a \(lines)-line file")
            }
            let anyMatch = input.withUnsafeBufferPointer { text in
                ReferencePatterns.rules(for: name, jsModules: rewriter.jsModules).contains {
                    !$0.pattern.matches(in: text).isEmpty
                }
            }
            if !anyMatch { require(output == input, "\(name) changed although no rule matched") }
        case .failure(let failure):
            require(
                failure.line >= 1 && failure.line <= lines,
                "failure on line \(failure.line) of a \(lines)-line file"
            )
        }
    }
    return 0
}

private struct Rewritten: Equatable {
    var output: [UInt8]
    var missingMaps: [MissingMap]
}

private func outcome(
    _ rewriter: ReferenceRewriter,
    _ input: [UInt8],
    _ name: String
) -> Result<Rewritten, ReferenceRewriter.Failure> {
    do throws(ReferenceRewriter.Failure) {
        var missingMaps: [MissingMap] = []
        let output = try rewriter.rewrite(input, name: name, path: name, lookup: FuzzTree(), missingMaps: &missingMaps)
        return .success(Rewritten(output: output, missingMaps: missingMaps))
    } catch {
        return .failure(error)
    }
}
