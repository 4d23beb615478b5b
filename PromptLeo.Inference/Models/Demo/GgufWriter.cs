using System.Buffers.Binary;
using System.Text;

namespace PromptLeo.Inference.Models.Demo;

/// <summary>Element type of a tensor written by <see cref="GgufWriter"/> (values match ggml_type).</summary>
public enum GgufTensorType
{
    /// <summary>32-bit float.</summary>
    F32 = 0,
    /// <summary>IEEE 754 half precision.</summary>
    F16 = 1,
}

/// <summary>
/// Writes GGUF v3 files: metadata key/values followed by F32/F16 tensors, with the data section and every tensor
/// aligned to <see cref="Alignment"/> bytes. Tensor data is produced on demand while writing, so large files do not
/// need to fit in memory at once.
/// </summary>
public sealed class GgufWriter
{
    /// <summary>Default <c>general.alignment</c> of GGUF.</summary>
    public const int Alignment = 32;

    private const uint Magic = 0x46554747; // "GGUF" read as little-endian u32
    private const uint Version = 3;

    private enum ValueType : uint
    {
        UInt32 = 4,
        Int32 = 5,
        Float32 = 6,
        Bool = 7,
        String = 8,
        Array = 9,
    }

    private readonly List<(string Key, Action<BinaryWriter> WriteValue)> _metadata = [];
    private readonly List<TensorEntry> _tensors = [];

    private sealed record TensorEntry(string Name, ulong[] Shape, GgufTensorType Type, Action<Span<float>> Fill)
    {
        public ulong ElementCount => Shape.Aggregate(1UL, (a, b) => a * b);
        public ulong ByteCount => ElementCount * (Type == GgufTensorType.F32 ? 4UL : 2UL);
    }

    /// <summary>Number of tensors added so far.</summary>
    public int TensorCount => _tensors.Count;

    /// <summary>Total number of tensor elements (parameters) added so far.</summary>
    public ulong ParameterCount => _tensors.Aggregate(0UL, (sum, t) => sum + t.ElementCount);

    /// <summary>Adds a UINT32 key/value.</summary>
    public GgufWriter Add(string key, uint value) =>
        AddValue(key, w => { w.Write((uint)ValueType.UInt32); w.Write(value); });

    /// <summary>Adds an INT32 key/value.</summary>
    public GgufWriter Add(string key, int value) =>
        AddValue(key, w => { w.Write((uint)ValueType.Int32); w.Write(value); });

    /// <summary>Adds a FLOAT32 key/value.</summary>
    public GgufWriter Add(string key, float value) =>
        AddValue(key, w => { w.Write((uint)ValueType.Float32); w.Write(value); });

    /// <summary>Adds a BOOL key/value.</summary>
    public GgufWriter Add(string key, bool value) =>
        AddValue(key, w => { w.Write((uint)ValueType.Bool); w.Write(value ? (byte)1 : (byte)0); });

    /// <summary>Adds a STRING key/value.</summary>
    public GgufWriter Add(string key, string value) =>
        AddValue(key, w => { w.Write((uint)ValueType.String); WriteString(w, value); });

    /// <summary>Adds an array of strings.</summary>
    public GgufWriter Add(string key, IReadOnlyList<string> values) =>
        AddArray(key, ValueType.String, values.Count, (w, i) => WriteString(w, values[i]));

    /// <summary>Adds an array of FLOAT32.</summary>
    public GgufWriter Add(string key, IReadOnlyList<float> values) =>
        AddArray(key, ValueType.Float32, values.Count, (w, i) => w.Write(values[i]));

    /// <summary>Adds an array of INT32.</summary>
    public GgufWriter Add(string key, IReadOnlyList<int> values) =>
        AddArray(key, ValueType.Int32, values.Count, (w, i) => w.Write(values[i]));

    /// <summary>
    /// Adds a tensor. <paramref name="shape"/> is in ggml order (ne0, the contiguous dimension, first);
    /// <paramref name="fill"/> receives a span of all elements as F32 and is called once, while writing.
    /// </summary>
    public GgufWriter AddTensor(string name, ulong[] shape, GgufTensorType type, Action<Span<float>> fill)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (shape.Length is 0 or > 4 || shape.Any(d => d == 0))
            throw new ArgumentException("A tensor has 1 to 4 non-zero dimensions.", nameof(shape));
        if (_tensors.Any(t => t.Name == name))
            throw new ArgumentException($"Tensor '{name}' was already added.", nameof(name));
        _tensors.Add(new TensorEntry(name, shape, type, fill));
        return this;
    }

    /// <summary>Writes the file to <paramref name="path"/> (replacing it).</summary>
    public async Task WriteAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
        await WriteAsync(file, cancellationToken);
    }

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    public async Task WriteAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var header = new MemoryStream();
        using (var w = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write((ulong)_tensors.Count);
            w.Write((ulong)_metadata.Count);
            foreach (var (key, writeValue) in _metadata)
            {
                WriteString(w, key);
                writeValue(w);
            }

            ulong offset = 0;
            foreach (var tensor in _tensors)
            {
                WriteString(w, tensor.Name);
                w.Write((uint)tensor.Shape.Length);
                foreach (var dim in tensor.Shape)
                    w.Write(dim);
                w.Write((uint)tensor.Type);
                w.Write(offset); // relative to the start of the data section
                offset += Pad(tensor.ByteCount);
            }

            w.Write(new byte[(int)(Pad((ulong)header.Length) - (ulong)header.Length)]);
        }

        header.Position = 0;
        await header.CopyToAsync(stream, cancellationToken);

        foreach (var tensor in _tensors)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var values = new float[checked((int)tensor.ElementCount)];
            tensor.Fill(values);
            var bytes = new byte[Pad(tensor.ByteCount)];
            if (tensor.Type == GgufTensorType.F32)
            {
                for (var i = 0; i < values.Length; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
            }
            else
            {
                for (var i = 0; i < values.Length; i++)
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
            }

            await stream.WriteAsync(bytes, cancellationToken);
        }

        await stream.FlushAsync(cancellationToken);
    }

    private static ulong Pad(ulong length) => (length + Alignment - 1) / Alignment * Alignment;

    private GgufWriter AddValue(string key, Action<BinaryWriter> writeValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (_metadata.Any(m => m.Key == key))
            throw new ArgumentException($"Key '{key}' was already added.", nameof(key));
        _metadata.Add((key, writeValue));
        return this;
    }

    private GgufWriter AddArray(string key, ValueType elementType, int count, Action<BinaryWriter, int> writeElement) =>
        AddValue(key, w =>
        {
            w.Write((uint)ValueType.Array);
            w.Write((uint)elementType);
            w.Write((ulong)count);
            for (var i = 0; i < count; i++)
                writeElement(w, i);
        });

    // GGUF string: u64 byte length + UTF-8 bytes, no terminator.
    private static void WriteString(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }
}
