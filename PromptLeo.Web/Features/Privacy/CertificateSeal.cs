using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// The stored certificate names the final invoice next to the erasure reference; sealed with a key derived from the
/// download token (only its hash is stored), the operator's copy cannot join the invoice archive to the reference.
/// </summary>
public static class CertificateSeal
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Seal(byte[] certificate, string token)
    {
        var sealedBytes = new byte[NonceSize + TagSize + certificate.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Key(token), TagSize);
        aes.Encrypt(nonce, certificate, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize));
        return sealedBytes;
    }

    /// <summary>The certificate, or null when the token does not open it.</summary>
    public static byte[]? Open(byte[] sealedBytes, string token)
    {
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            return null;
        }
        var certificate = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(Key(token), TagSize);
        try
        {
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), certificate);
            return certificate;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    public const string CertificateName = "loeschprotokoll.pdf";

    /// <summary>The certificate and the documents that come with it, as one ZIP to seal.</summary>
    public static byte[] Bundle(byte[] certificate, IEnumerable<ErasureDocument> documents)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in documents.Select(d => (d.FileName, d.Content)).Prepend((CertificateName, certificate)))
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                entry.Write(content);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>File name → content of an opened bundle.</summary>
    public static Dictionary<string, byte[]> Unbundle(byte[] bundle)
    {
        using var zip = new ZipArchive(new MemoryStream(bundle), ZipArchiveMode.Read);
        return zip.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });
    }

    private static byte[] Key(string token) => HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(token), 32, info: "promptleo-erasure-certificate"u8.ToArray());
}
