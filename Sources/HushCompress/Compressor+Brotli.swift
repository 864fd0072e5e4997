import CBrotli
import HushCore

extension Compressor {
    /// Brotli quality 11 (the maximum, and Python `brotli.compress`'s default that WhiteNoise uses).
    static let brotliQuality: UInt32 = 11
    /// log2 of the window: 22 (4 MiB), the library default `BROTLI_DEFAULT_WINDOW`.
    static let brotliWindow: UInt32 = 22

    static func makeBrotli() throws(CompressError) -> Engine {
        guard let state = BrotliEncoderCreateInstance(nil, nil, nil) else {
            throw .encoderFailed(
                coding: .br,
                path: nil,
                detail: "BrotliEncoderCreateInstance returned NULL (out of memory)"
            )
        }
        let settings: [(BrotliEncoderParameter, UInt32)] = [
            (BROTLI_PARAM_QUALITY, brotliQuality),
            (BROTLI_PARAM_LGWIN, brotliWindow),
            (BROTLI_PARAM_MODE, BROTLI_MODE_GENERIC.rawValue),
        ]
        for (parameter, value) in settings where BrotliEncoderSetParameter(state, parameter, value) == BROTLI_FALSE {
            BrotliEncoderDestroyInstance(state)
            throw .encoderFailed(
                coding: .br,
                path: nil,
                detail: "BrotliEncoderSetParameter(\(parameter.rawValue), \(value)) refused"
            )
        }
        return .brotli(state)
    }

    static func brotliRun(
        _ state: OpaquePointer,
        input: UnsafeRawBufferPointer,
        finishing: Bool,
        into output: inout [UInt8]
    ) throws(CompressError) {
        var availableIn = input.count
        var nextIn: UnsafePointer<UInt8>? = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let operation = finishing ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS
        while true {
            // No output buffer of ours: the encoder keeps its output and we take it zero-copy.
            var availableOut = 0
            var nextOut: UnsafeMutablePointer<UInt8>? = nil
            guard
                BrotliEncoderCompressStream(state, operation, &availableIn, &nextIn, &availableOut, &nextOut, nil)
                    == BROTLI_TRUE
            else {
                throw .encoderFailed(coding: .br, path: nil, detail: "BrotliEncoderCompressStream failed")
            }
            while BrotliEncoderHasMoreOutput(state) == BROTLI_TRUE {
                var size = 0
                guard let bytes = BrotliEncoderTakeOutput(state, &size), size > 0 else { break }
                output.append(contentsOf: UnsafeBufferPointer(start: bytes, count: size))
            }
            if finishing {
                if BrotliEncoderIsFinished(state) == BROTLI_TRUE { return }
            } else if availableIn == 0 {
                return
            }
        }
    }
}
