using System.Buffers.Binary;
using System.Text;

namespace PromptLeo.Web.Features.Images;

/// <summary>Adds a text chunk to a PNG: <c>tEXt</c> when the text is Latin-1 (as the PNG spec requires), else <c>iTXt</c> (UTF-8).</summary>
public static class PngTextChunk
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Returns a copy of <paramref name="png"/> with the chunk inserted right after <c>IHDR</c>.</summary>
    public static byte[] Insert(byte[] png, string keyword, string text)
    {
        if (png.Length < 33 || !png.AsSpan(0, 8).SequenceEqual(Signature) || Encoding.ASCII.GetString(png, 12, 4) != "IHDR")
        {
            throw new InvalidDataException("Not a PNG file.");
        }
        var ihdrEnd = 8 + 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(8, 4));
        var chunk = IsLatin1(text) ? Chunk("tEXt", [.. Encoding.Latin1.GetBytes(keyword), 0, .. Encoding.Latin1.GetBytes(text)])
            // iTXt: keyword, NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, UTF-8 text.
            : Chunk("iTXt", [.. Encoding.Latin1.GetBytes(keyword), 0, 0, 0, 0, 0, .. Encoding.UTF8.GetBytes(text)]);
        return [.. png.AsSpan(0, ihdrEnd), .. chunk, .. png.AsSpan(ihdrEnd)];
    }

    /// <summary>Reads the first <c>tEXt</c> or <c>iTXt</c> chunk with this keyword, or null.</summary>
    public static string? Read(byte[] png, string keyword)
    {
        var offset = 8;
        while (offset + 12 <= png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset, 4));
            var type = Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, Math.Min(length, png.Length - offset - 8));
            var nul = data.IndexOf((byte)0);
            if (nul > 0 && Encoding.Latin1.GetString(data[..nul]) == keyword)
            {
                if (type == "tEXt")
                {
                    return Encoding.Latin1.GetString(data[(nul + 1)..]);
                }
                if (type == "iTXt" && data.Length >= nul + 5)
                {
                    var rest = data[(nul + 3)..];
                    var language = rest.IndexOf((byte)0);
                    var translated = rest[(language + 1)..].IndexOf((byte)0);
                    return Encoding.UTF8.GetString(rest[(language + 1 + translated + 1)..]);
                }
            }
            offset += 12 + length;
        }
        return null;
    }

    private static bool IsLatin1(string text) => text.All(c => c <= 0xFF);

    private static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, chunk.AsSpan(4, 4));
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
