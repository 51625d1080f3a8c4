using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace OpsRunbook.Engine.Containers
{
    /// <summary>
    /// A forward-only read buffer over the archive Docker.DotNet streams out of a container. Its chunked stream fails
    /// the small reads TarReader makes for an entry's data, and once the connection is done it reports CanRead false
    /// while data is still buffered, which BufferedStream then refuses ("Stream does not support reading"). This
    /// reads it in large blocks and, after the end, never asks it again.
    /// </summary>
    internal sealed class ArchiveReadStream : Stream
    {
        private readonly Stream _inner;
        private readonly byte[] _buffer;
        private int _offset;
        private int _count;
        private bool _ended;

        public ArchiveReadStream(Stream inner, int bufferSize = 1 << 16)
        {
            _inner = inner;
            _buffer = new byte[bufferSize];
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            if (_count == 0)
            {
                if (_ended)
                {
                    return 0;
                }

                _offset = 0;
                _count = await _inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
                _ended = _count == 0;
            }

            return Take(destination.Span);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(Span<byte> destination)
        {
            if (_count == 0)
            {
                if (_ended)
                {
                    return 0;
                }

                _offset = 0;
                _count = _inner.Read(_buffer);
                _ended = _count == 0;
            }

            return Take(destination);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        private int Take(Span<byte> destination)
        {
            var taken = Math.Min(_count, destination.Length);
            _buffer.AsSpan(_offset, taken).CopyTo(destination);
            _offset += taken;
            _count -= taken;
            return taken;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
