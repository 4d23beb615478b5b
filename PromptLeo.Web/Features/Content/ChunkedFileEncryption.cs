using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PromptLeo.Web.Features.Content;

/// <summary>
/// Streams large files (export ZIPs) through AES-256-GCM in 64 KiB chunks, so neither side holds the whole file in
/// memory. Each file has its own random key, stored in the header wrapped by the owner's data key
/// (<see cref="UserContentCipher"/>): shredding the data key makes the file unreadable too.
/// </summary>
/// <remarks>
/// Layout: "PLE1" | wrapped key length (u16) | wrapped key | chunks. A chunk is: plaintext length (u32) | final flag (1) |
/// tag (16) | ciphertext. The nonce is the chunk index; index and final flag are authenticated, so reordering,
/// dropping or truncating chunks fails the check.
/// </remarks>
public static class ChunkedFileEncryption
{
    public const string KeyPurpose = "file.key";
    private static ReadOnlySpan<byte> Magic => "PLE1"u8;
    private const int ChunkSize = 64 * 1024;
    private const int TagSize = 16;

    /// <summary>Opens <paramref name="path"/> for writing; dispose the stream to write the final chunk.</summary>
    public static Task<Stream> CreateAsync(string path, UserContentCipher cipher, string userId, CancellationToken cancellationToken) =>
        CreateAsync(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024), cipher, userId, cancellationToken);

    /// <summary>Encrypts into <paramref name="file"/>, which the returned stream owns; dispose it to write the final chunk.</summary>
    public static async Task<Stream> CreateAsync(Stream file, UserContentCipher cipher, string userId, CancellationToken cancellationToken)
    {
        try
        {
            var key = RandomNumberGenerator.GetBytes(32);
            var wrapped = await cipher.EncryptAsync(userId, KeyPurpose, key, cancellationToken);
            var header = new byte[Magic.Length + 2 + wrapped.Length];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(Magic.Length), checked((ushort)wrapped.Length));
            wrapped.CopyTo(header, Magic.Length + 2);
            await file.WriteAsync(header, cancellationToken);
            return new EncryptingStream(file, key);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    /// <summary>Decrypts <paramref name="path"/> into <paramref name="output"/>, chunk by chunk.</summary>
    /// <exception cref="ContentUnavailableException">Key shredded, wrong owner or tampered file.</exception>
    public static async Task DecryptToAsync(string path, UserContentCipher cipher, string userId, Stream output, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        var head = new byte[Magic.Length + 2];
        byte[] wrapped;
        try
        {
            await file.ReadExactlyAsync(head, cancellationToken);
            if (head.AsSpan(0, 2).SequenceEqual("PK"u8))
            {
                // An export written before exports were encrypted (still inside its download window): as it is.
                await output.WriteAsync(head, cancellationToken);
                await file.CopyToAsync(output, cancellationToken);
                return;
            }
            if (!head.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            {
                throw new ContentUnavailableException("The file has an unknown format.");
            }
            wrapped = new byte[BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(Magic.Length))];
            await file.ReadExactlyAsync(wrapped, cancellationToken);
        }
        catch (EndOfStreamException ex)
        {
            throw new ContentUnavailableException("The file is truncated.", ex);
        }
        var key = await cipher.DecryptAsync(userId, KeyPurpose, wrapped, cancellationToken);
        using var aes = new AesGcm(key, TagSize);
        var chunkHeader = new byte[4 + 1 + TagSize];
        var nonce = new byte[12];
        var aad = new byte[9];
        var cipherText = new byte[ChunkSize];
        var plain = new byte[ChunkSize];
        for (ulong index = 0; ; index++)
        {
            int length;
            bool final;
            try
            {
                await file.ReadExactlyAsync(chunkHeader, cancellationToken);
                var declared = BinaryPrimitives.ReadUInt32BigEndian(chunkHeader);
                if (declared > ChunkSize)
                {
                    throw new ContentUnavailableException("The file is corrupt.");
                }
                length = (int)declared;
                final = chunkHeader[4] == 1;
                await file.ReadExactlyAsync(cipherText.AsMemory(0, length), cancellationToken);
            }
            catch (EndOfStreamException ex)
            {
                throw new ContentUnavailableException("The file is truncated.", ex);
            }
            Nonce(index, final, nonce, aad);
            try
            {
                aes.Decrypt(nonce, cipherText.AsSpan(0, length), chunkHeader.AsSpan(5, TagSize), plain.AsSpan(0, length), aad);
            }
            catch (AuthenticationTagMismatchException ex)
            {
                throw new ContentUnavailableException("The file failed its integrity check.", ex);
            }
            await output.WriteAsync(plain.AsMemory(0, length), cancellationToken);
            if (final)
            {
                return;
            }
        }
    }

    private static void Nonce(ulong index, bool final, byte[] nonce, byte[] aad)
    {
        Array.Clear(nonce);
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), index);
        BinaryPrimitives.WriteUInt64BigEndian(aad, index);
        aad[8] = final ? (byte)1 : (byte)0;
    }

    private sealed class EncryptingStream(Stream file, byte[] key) : Stream
    {
        private readonly AesGcm aes = new(key, TagSize);
        private readonly byte[] buffer = new byte[ChunkSize];
        private readonly byte[] sealedChunk = new byte[4 + 1 + TagSize + ChunkSize];
        private readonly byte[] nonce = new byte[12];
        private readonly byte[] aad = new byte[9];
        private int filled;
        private ulong index;
        private long written;
        private bool closed;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => !closed;
        public override long Length => written;
        public override long Position { get => written; set => throw new NotSupportedException(); }

        public override void Write(byte[] data, int offset, int count) => Write(data.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            while (data.Length > 0)
            {
                var take = Math.Min(ChunkSize - filled, data.Length);
                data[..take].CopyTo(buffer.AsSpan(filled));
                filled += take;
                written += take;
                data = data[take..];
                if (filled == ChunkSize)
                {
                    Seal(final: false);
                }
            }
        }

        public override Task WriteAsync(byte[] data, int offset, int count, CancellationToken cancellationToken)
        {
            Write(data.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            Write(data.Span);
            return ValueTask.CompletedTask;
        }

        private void Seal(bool final)
        {
            Nonce(index++, final, nonce, aad);
            BinaryPrimitives.WriteUInt32BigEndian(sealedChunk, (uint)filled);
            sealedChunk[4] = final ? (byte)1 : (byte)0;
            aes.Encrypt(nonce, buffer.AsSpan(0, filled), sealedChunk.AsSpan(5 + TagSize, filled), sealedChunk.AsSpan(5, TagSize), aad);
            file.Write(sealedChunk, 0, 5 + TagSize + filled);
            filled = 0;
        }

        public override void Flush()
        {
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !closed)
            {
                closed = true;
                try
                {
                    Seal(final: true);
                }
                finally
                {
                    // Released even when the last write fails (disk full); the partial file is never served.
                    file.Dispose();
                    aes.Dispose();
                    CryptographicOperations.ZeroMemory(key);
                }
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            Dispose(true);
            await Task.CompletedTask;
            GC.SuppressFinalize(this);
        }

        public override int Read(byte[] data, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
