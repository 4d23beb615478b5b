using System.Text;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Llm;

/// <summary>What the GGUF header says about a file.</summary>
public sealed record GgufFileInfo(
    uint Version,
    string? Architecture,
    int TensorCount,
    int ContextLength,
    bool HasChatTemplate,
    long DataOffset,
    long RequiredLength);

/// <summary>
/// Parses a GGUF header and tensor table in managed code, so that a missing, truncated or foreign file gives a
/// reason a person can act on instead of a crash inside llama.cpp.
/// </summary>
public static class GgufFileValidator
{
    private const uint Magic = 0x46554747; // "GGUF"
    private const int MaxStringBytes = 64 << 20;

    /// <summary>Validates <paramref name="path"/>.</summary>
    /// <exception cref="ModelLoadException">The file is not a complete GGUF file; the message says why.</exception>
    public static GgufFileInfo Validate(string path)
    {
        var name = Path.GetFileName(path);
        if (!File.Exists(path))
            throw new ModelLoadException($"{name}: file not found.");

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var fileLength = stream.Length;
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (fileLength < 24 || reader.ReadUInt32() != Magic)
                throw new ModelLoadException($"{name}: not a GGUF file (magic bytes 'GGUF' missing).");
            var version = reader.ReadUInt32();
            if (version is < 2 or > 3)
                throw new ModelLoadException($"{name}: GGUF version {version} is not supported (2 or 3 expected).");
            var tensorCount = reader.ReadUInt64();
            var kvCount = reader.ReadUInt64();
            if (tensorCount > 1_000_000 || kvCount > 1_000_000)
                throw new ModelLoadException($"{name}: corrupt header ({tensorCount} tensors, {kvCount} keys).");

            string? architecture = null;
            var alignment = 32L;
            var hasTemplate = false;
            var contextLength = 0;
            for (ulong i = 0; i < kvCount; i++)
            {
                var key = ReadString(reader, name);
                var type = reader.ReadUInt32();
                switch (key)
                {
                    case "general.architecture" when type == 8:
                        architecture = ReadString(reader, name);
                        break;
                    case "general.alignment" when type == 4:
                        alignment = reader.ReadUInt32();
                        break;
                    case "tokenizer.chat_template" when type == 8:
                        hasTemplate = ReadString(reader, name).Length > 0;
                        break;
                    default:
                        if (type == 4 && key.EndsWith(".context_length", StringComparison.Ordinal))
                            contextLength = (int)Math.Min(reader.ReadUInt32(), int.MaxValue);
                        else
                            SkipValue(reader, type, name);
                        break;
                }
            }

            if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
                throw new ModelLoadException($"{name}: invalid general.alignment {alignment}.");

            long required = 0;
            for (ulong i = 0; i < tensorCount; i++)
            {
                var tensorName = ReadString(reader, name);
                var dims = reader.ReadUInt32();
                if (dims is 0 or > 4)
                    throw new ModelLoadException($"{name}: tensor '{tensorName}' has {dims} dimensions.");
                ulong elements = 1;
                for (var d = 0; d < dims; d++)
                    elements = checked(elements * reader.ReadUInt64());
                var ggmlType = reader.ReadUInt32();
                var offset = reader.ReadUInt64();
                var bytes = TensorBytes(ggmlType, elements);
                required = Math.Max(required, checked((long)offset + (long)(bytes ?? 1)));
            }

            var dataOffset = (stream.Position + alignment - 1) / alignment * alignment;
            var requiredLength = dataOffset + required;
            if (fileLength < requiredLength)
                throw new ModelLoadException(
                    $"{name}: file is truncated ({fileLength} bytes, the tensor table needs {requiredLength}). Download it again.");
            return new GgufFileInfo(version, architecture, (int)tensorCount, contextLength, hasTemplate, dataOffset, requiredLength);
        }
        catch (EndOfStreamException)
        {
            throw new ModelLoadException($"{name}: file is truncated inside the GGUF header ({fileLength} bytes).");
        }
        catch (OverflowException)
        {
            throw new ModelLoadException($"{name}: corrupt GGUF tensor table (sizes overflow).");
        }
    }

    private static string ReadString(BinaryReader reader, string name)
    {
        var length = reader.ReadUInt64();
        if (length > MaxStringBytes)
            throw new ModelLoadException($"{name}: corrupt GGUF header (string of {length} bytes).");
        var bytes = reader.ReadBytes((int)length);
        if (bytes.Length != (int)length)
            throw new EndOfStreamException();
        return Encoding.UTF8.GetString(bytes);
    }

    private static void SkipValue(BinaryReader reader, uint type, string name)
    {
        switch (type)
        {
            case 0 or 1 or 7: reader.BaseStream.Seek(1, SeekOrigin.Current); break; // u8, i8, bool
            case 2 or 3: reader.BaseStream.Seek(2, SeekOrigin.Current); break; // u16, i16
            case 4 or 5 or 6: reader.BaseStream.Seek(4, SeekOrigin.Current); break; // u32, i32, f32
            case 10 or 11 or 12: reader.BaseStream.Seek(8, SeekOrigin.Current); break; // u64, i64, f64
            case 8:
                var length = reader.ReadUInt64();
                if (length > MaxStringBytes)
                    throw new ModelLoadException($"{name}: corrupt GGUF header (string of {length} bytes).");
                reader.BaseStream.Seek((long)length, SeekOrigin.Current);
                break;
            case 9:
                var elementType = reader.ReadUInt32();
                var count = reader.ReadUInt64();
                if (count > 100_000_000)
                    throw new ModelLoadException($"{name}: corrupt GGUF header (array of {count} elements).");
                for (ulong i = 0; i < count; i++)
                    SkipValue(reader, elementType, name);
                break;
            default:
                throw new ModelLoadException($"{name}: corrupt GGUF header (unknown value type {type}).");
        }

        if (reader.BaseStream.Position > reader.BaseStream.Length)
            throw new EndOfStreamException();
    }

    // Bytes per block and elements per block of the ggml types seen in published GGUF files; null when unknown.
    private static ulong? TensorBytes(uint ggmlType, ulong elements)
    {
        (ulong blockBytes, ulong blockElements)? layout = ggmlType switch
        {
            0 => (4, 1), // F32
            1 => (2, 1), // F16
            2 => (18, 32), // Q4_0
            3 => (20, 32), // Q4_1
            6 => (22, 32), // Q5_0
            7 => (24, 32), // Q5_1
            8 => (34, 32), // Q8_0
            10 => (84, 256), // Q2_K
            11 => (110, 256), // Q3_K
            12 => (144, 256), // Q4_K
            13 => (176, 256), // Q5_K
            14 => (210, 256), // Q6_K
            15 => (292, 256), // Q8_K
            24 => (1, 1), // I8
            25 => (2, 1), // I16
            26 => (4, 1), // I32
            27 => (8, 1), // I64
            28 => (8, 1), // F64
            30 => (2, 1), // BF16
            _ => null,
        };
        return layout is { } l ? (elements + l.blockElements - 1) / l.blockElements * l.blockBytes : null;
    }
}
