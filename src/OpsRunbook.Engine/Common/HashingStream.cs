using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace OpsRunbook.Engine.Common
{
    /// <summary>
    /// Writes through to a stream and hashes every byte on the way, so a checksum needs no second read; keeps the
    /// first <c>headerLength</c> bytes too, for files whose header says what they are.
    /// </summary>
    internal sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _header;
        private int _headerLength;

        public HashingStream(Stream inner, int headerLength = 0)
        {
            _inner = inner;
            _header = new byte[headerLength];
        }

        public long BytesWritten { get; private set; }

        /// <summary>The first bytes written, up to the header length asked for.</summary>
        public byte[] Header => _header[.._headerLength];

        /// <summary>Lower-case hex, as sha256sum writes it. Call once, after the last write.</summary>
        public string Finish() => Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => BytesWritten;

        public override long Position
        {
            get => BytesWritten;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Observe(buffer);
            _inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Observe(buffer.Span);
            await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => _inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Observe(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            var take = Math.Min(_header.Length - _headerLength, buffer.Length);
            buffer[..take].CopyTo(_header.AsSpan(_headerLength));
            _headerLength += take;
            BytesWritten += buffer.Length;
        }
    }
}
