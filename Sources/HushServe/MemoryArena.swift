import HushSystem
import NIOCore

/// Where the file table keeps the bodies it serves from memory: files read back to back into a
/// few large buffers, each body then a slice of one of them.
///
/// One allocation per chunk instead of one per file: a small file costs its own bytes, not a
/// rounded-up buffer plus allocator overhead (a 1 KB file in a buffer of its own took ~13 KB of
/// resident memory). All files are loaded before any slice is taken — a slice shares its chunk,
/// so writing into a chunk after that would copy it. Slices keep their chunk alive, so a response
/// still being written outlives the table that held it.
struct MemoryArena {
    /// Where one file's bytes landed.
    struct Placement {
        fileprivate var chunk: Int
        fileprivate var offset: Int
        var length: Int
    }

    /// Bytes per chunk; a file larger than this (at most the memory file limit) gets a chunk of
    /// its own size.
    static let chunkSize = 16 << 20

    private var chunks: [ByteBuffer] = []
    private var slicing = false

    /// Reads `fd` to its end; nil on a read error. `expectedSize` (from stat) sizes the space
    /// reserved; a file that grew meanwhile is still read whole.
    mutating func load(_ fd: CInt, expectedSize: Int) -> Placement? {
        precondition(!slicing, "MemoryArena: load after the first slice")
        if chunks.isEmpty || chunks[chunks.count - 1].writableBytes < expectedSize + 1 {
            chunks.append(ByteBufferAllocator().buffer(capacity: max(Self.chunkSize, expectedSize + 1)))
        }
        let index = chunks.count - 1
        let start = chunks[index].writerIndex
        while true {
            var result: Int? = 0
            chunks[index].writeWithUnsafeMutableBytes(minimumWritableBytes: 1) { raw -> Int in
                result = try? Syscall.read(fd, into: raw)
                return result ?? 0
            }
            guard let got = result else {
                chunks[index].moveWriterIndex(to: start)
                return nil
            }
            if got == 0 { break }
        }
        return Placement(chunk: index, offset: start, length: chunks[index].writerIndex - start)
    }

    /// Reads the bytes at `placement` in place (no slice taken).
    func withBytes<R>(_ placement: Placement, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        chunks[placement.chunk].withUnsafeReadableBytes {
            body(
                UnsafeRawBufferPointer(
                    rebasing: $0[(placement.offset - chunks[placement.chunk].readerIndex)...].prefix(placement.length)
                )
            )
        }
    }

    /// The bytes at `placement`, sharing their chunk. No file can be loaded after this.
    mutating func bytes(_ placement: Placement) -> ByteBuffer {
        slicing = true
        return chunks[placement.chunk].getSlice(at: placement.offset, length: placement.length) ?? ByteBuffer()
    }
}
