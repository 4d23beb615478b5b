using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PromptLeo.Inference.Diffusion;

/// <summary>
/// One ONNX input or output seen by the pipeline as float32, whatever the session declares (float, float16 or
/// bfloat16). The pipeline reads and writes <see cref="Data"/>; for a float32 session the <see cref="Value"/> is
/// pinned over the same array (no copy), for a half-precision one <see cref="Upload"/> converts into a pinned
/// half buffer before a run and <see cref="Download"/> converts back after it. All buffers are allocated once.
/// </summary>
internal sealed class OnnxTensorBinding : IDisposable
{
    private readonly Float16[]? float16;
    private readonly BFloat16[]? bfloat16;
    private readonly int length;

    /// <param name="elementType">The element type the session declares for this input or output.</param>
    /// <param name="shape">The tensor shape.</param>
    /// <param name="data">An existing float32 buffer to bind (at least the shape's length), or null to allocate one.</param>
    public OnnxTensorBinding(TensorElementType elementType, long[] shape, float[]? data = null)
    {
        OnnxTensorTypes.RequireFloating(elementType, "tensor");
        ElementType = elementType;
        Shape = shape;
        length = checked((int)shape.Aggregate(1L, (a, b) => a * b));
        Data = data ?? new float[length];
        if (Data.Length < length)
        {
            throw new ArgumentException($"data holds {Data.Length} values, the shape needs {length}.", nameof(data));
        }

        Value = elementType switch
        {
            TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Data.AsMemory(0, length), shape),
            TensorElementType.Float16 => OrtValue.CreateTensorValueFromMemory(float16 = new Float16[length], shape),
            _ => OrtValue.CreateTensorValueFromMemory(bfloat16 = new BFloat16[length], shape),
        };
    }

    public TensorElementType ElementType { get; }
    public long[] Shape { get; }

    /// <summary>The float32 values the pipeline works with (the first <c>shape</c>-length values).</summary>
    public float[] Data { get; }

    /// <summary>The value to bind to the session.</summary>
    public OrtValue Value { get; }

    /// <summary>Copies <see cref="Data"/> into the session's element type (no-op for float32).</summary>
    public void Upload()
    {
        if (float16 is not null)
        {
            TensorPrimitives.ConvertToHalf(Data.AsSpan(0, length), MemoryMarshal.Cast<Float16, Half>(float16.AsSpan()));
        }
        else if (bfloat16 is not null)
        {
            OnnxTensorTypes.ToBFloat16(Data.AsSpan(0, length), MemoryMarshal.Cast<BFloat16, ushort>(bfloat16.AsSpan()));
        }
    }

    /// <summary>Copies the session's values into <see cref="Data"/> (no-op for float32).</summary>
    public void Download()
    {
        if (float16 is not null)
        {
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<Float16, Half>(float16.AsSpan()), Data.AsSpan(0, length));
        }
        else if (bfloat16 is not null)
        {
            OnnxTensorTypes.FromBFloat16(MemoryMarshal.Cast<BFloat16, ushort>(bfloat16.AsSpan()), Data.AsSpan(0, length));
        }
    }

    public void Dispose() => Value.Dispose();
}

/// <summary>Element-type checks and conversions shared by the diffusion stages.</summary>
internal static class OnnxTensorTypes
{
    /// <summary>True for the floating types the pipelines convert to and from float32.</summary>
    public static bool IsFloating(TensorElementType type) =>
        type is TensorElementType.Float or TensorElementType.Float16 or TensorElementType.BFloat16;

    /// <summary>Throws a <see cref="Models.ModelLoadException"/>-friendly error for a non-floating tensor.</summary>
    public static void RequireFloating(TensorElementType type, string what)
    {
        if (!IsFloating(type))
        {
            throw new NotSupportedException($"{what} has element type {type}; float, float16 and bfloat16 are supported.");
        }
    }

    /// <summary>The element type of input or output <paramref name="name"/> as the session declares it.</summary>
    public static TensorElementType Of(IReadOnlyDictionary<string, NodeMetadata> metadata, string name) =>
        metadata[name].ElementDataType;

    /// <summary>float32 to bfloat16 bits, rounding to nearest even (NaN stays NaN).</summary>
    public static void ToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        var bits = MemoryMarshal.Cast<float, uint>(source);
        for (var i = 0; i < bits.Length; i++)
        {
            var value = bits[i];
            destination[i] = (value & 0x7FFFFFFF) > 0x7F800000
                ? (ushort)((value >> 16) | 0x40)
                : (ushort)((value + 0x7FFF + ((value >> 16) & 1)) >> 16);
        }
    }

    /// <summary>bfloat16 bits to float32 (exact).</summary>
    public static void FromBFloat16(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        var bits = MemoryMarshal.Cast<float, uint>(destination);
        for (var i = 0; i < source.Length; i++)
        {
            bits[i] = (uint)source[i] << 16;
        }
    }

    /// <summary>Reads a floating output of any supported element type into a new float32 array.</summary>
    public static float[] ReadFloats(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var result = new float[info.ElementCount];
        switch (info.ElementDataType)
        {
            case TensorElementType.Float:
                value.GetTensorDataAsSpan<float>().CopyTo(result);
                break;
            case TensorElementType.Float16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<Float16, Half>(value.GetTensorDataAsSpan<Float16>()), result);
                break;
            case TensorElementType.BFloat16:
                FromBFloat16(MemoryMarshal.Cast<BFloat16, ushort>(value.GetTensorDataAsSpan<BFloat16>()), result);
                break;
            default:
                throw new NotSupportedException($"output has element type {info.ElementDataType}; a floating type was expected.");
        }

        return result;
    }
}
