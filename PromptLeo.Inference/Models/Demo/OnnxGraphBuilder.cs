using Google.Protobuf;
using Onnx;

namespace PromptLeo.Inference.Models.Demo;

/// <summary>Element type of a test model's weights and of its floating inputs and outputs.</summary>
public enum TensorPrecision
{
    /// <summary>float32 everywhere.</summary>
    Float32,
    /// <summary>float16 weights, inputs and outputs, as in the fp16 exports GPU deployments use.</summary>
    Float16,
    /// <summary>bfloat16 weights, inputs and outputs.</summary>
    BFloat16,
}

/// <summary>
/// Small helper over OnnxSharp's protobuf types for writing tiny ONNX graphs (opset 17). With a half
/// <see cref="TensorPrecision"/> the file stores its weights and declares its floating inputs and outputs in that
/// type, as a real fp16 export does; inside, the graph casts to float32 and computes there, because ONNX Runtime's
/// CPU provider has few half-precision kernels. Writers use the names <see cref="Input"/> and <see cref="Output"/>
/// return, which are the declared names in float32 mode.
/// </summary>
internal sealed class OnnxGraphBuilder(string graphName, int seed, TensorPrecision precision = TensorPrecision.Float32)
{
    private readonly GraphProto graph = new() { Name = graphName };
    private readonly Random random = new(seed);
    private readonly List<(string Internal, string Declared)> outputCasts = [];
    private int counter;

    public const int Float = (int)TensorProto.Types.DataType.Float;
    public const int Float16 = (int)TensorProto.Types.DataType.Float16;
    public const int BFloat16 = (int)TensorProto.Types.DataType.Bfloat16;
    public const int Int32 = (int)TensorProto.Types.DataType.Int32;
    public const int Int64 = (int)TensorProto.Types.DataType.Int64;

    public TensorPrecision Precision => precision;

    /// <summary>The ONNX element type floating tensors are stored and declared in.</summary>
    public int StorageType => precision switch { TensorPrecision.Float16 => Float16, TensorPrecision.BFloat16 => BFloat16, _ => Float };

    /// <summary>Declares an input (dims are ints, fixed, or strings, symbolic such as "batch") and returns the float32 name to compute with.</summary>
    public string Input(string name, int elementType, params object[] dims)
    {
        if (elementType != Float || precision == TensorPrecision.Float32)
        {
            graph.Input.Add(ValueInfo(name, elementType, dims));
            return name;
        }

        graph.Input.Add(ValueInfo(name, StorageType, dims));
        return Node("Cast", [name], $"{name}_f32", Int("to", Float));
    }

    /// <summary>Declares an output and returns the float32 name the graph must write it to.</summary>
    public string Output(string name, int elementType, params object[] dims)
    {
        if (elementType != Float || precision == TensorPrecision.Float32)
        {
            graph.Output.Add(ValueInfo(name, elementType, dims));
            return name;
        }

        graph.Output.Add(ValueInfo(name, StorageType, dims));
        outputCasts.Add(($"{name}_f32", name));
        return $"{name}_f32";
    }

    /// <summary>A float initializer with normal random values of the given standard deviation.</summary>
    public string RandomWeight(string name, float std, params long[] dims)
    {
        var count = dims.Aggregate(1L, (a, b) => a * b);
        var data = new float[count];
        for (var i = 0; i < data.Length; i++)
        {
            // Box-Muller from the seeded Random, so a seed always writes the same weights.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            data[i] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return FloatConstant(name, data, dims);
    }

    /// <summary>A float initializer stored in the builder's precision; returns the float32 name to compute with.</summary>
    public string FloatConstant(string name, float[] data, params long[] dims)
    {
        if (precision == TensorPrecision.Float32)
        {
            AddInitializer(name, Float, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()), dims);
            return name;
        }

        var half = new ushort[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            half[i] = precision == TensorPrecision.Float16
                ? BitConverter.HalfToUInt16Bits((Half)data[i])
                : (ushort)(BitConverter.SingleToUInt32Bits(data[i]) + 0x7FFF + ((BitConverter.SingleToUInt32Bits(data[i]) >> 16) & 1) >> 16);
        }

        AddInitializer($"{name}_stored", StorageType, System.Runtime.InteropServices.MemoryMarshal.AsBytes(half.AsSpan()), dims);
        return Node("Cast", [$"{name}_stored"], name, Int("to", Float));
    }

    private void AddInitializer(string name, int dataType, ReadOnlySpan<byte> bytes, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = dataType, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        graph.Initializer.Add(tensor);
    }

    public string Int64Constant(string name, long[] data)
    {
        var tensor = new TensorProto { Name = name, DataType = Int64 };
        tensor.Dims.Add(data.Length);
        tensor.Int64Data.AddRange(data);
        graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node and returns its (first) output name; pass <paramref name="output"/> to name it.</summary>
    public string Node(string opType, string[] inputs, string? output = null, params AttributeProto[] attributes)
    {
        output ??= $"{opType.ToLowerInvariant()}_{counter++}";
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{counter++}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return output;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>3×3 (or k×k) convolution with "same" padding and random weights scaled for the fan-in.</summary>
    public string Conv(string input, int inChannels, int outChannels, int kernel = 3, int stride = 1, float gain = 1f, string? output = null)
    {
        var id = counter++;
        var std = gain / MathF.Sqrt(inChannels * kernel * kernel);
        var weight = RandomWeight($"conv{id}.weight", std, outChannels, inChannels, kernel, kernel);
        var bias = RandomWeight($"conv{id}.bias", 0.01f, outChannels);
        var pad = stride == 1 ? kernel / 2 : 0;
        return Node("Conv", [input, weight, bias], output,
            Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad));
    }

    /// <summary>
    /// Writes the model. With <paramref name="externalDataFile"/> (for example <c>model.onnx_data</c>) every raw
    /// initializer goes into that file next to <paramref name="path"/>, referenced by location/offset/length, as
    /// exporters do for models over protobuf's 2 GB limit.
    /// </summary>
    public void Save(string path, string? externalDataFile = null)
    {
        foreach (var (source, declared) in outputCasts)
        {
            Node("Cast", [source], declared, Int("to", StorageType));
        }

        outputCasts.Clear();
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "PromptLeo.TinyModelWriter",
            ProducerVersion = "1",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (externalDataFile is not null)
        {
            MoveToExternalData(Path.Combine(Path.GetDirectoryName(path)!, externalDataFile), externalDataFile);
        }

        using var stream = File.Create(path);
        model.WriteTo(stream);
    }

    private void MoveToExternalData(string dataPath, string location)
    {
        using var data = File.Create(dataPath);
        foreach (var tensor in graph.Initializer.Where(t => !t.RawData.IsEmpty))
        {
            // Offsets aligned to 64 bytes, as onnx's save_external_data leaves them usable for aligned reads.
            data.Position = (data.Position + 63) / 64 * 64;
            var offset = data.Position;
            tensor.RawData.WriteTo(data);
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.RawData = ByteString.Empty;
        }
    }

    private static ValueInfoProto ValueInfo(string name, int elementType, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                string param => new TensorShapeProto.Types.Dimension { DimParam = param },
                _ => throw new ArgumentException($"Dimension {dim} must be an int or a string."),
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }
}
