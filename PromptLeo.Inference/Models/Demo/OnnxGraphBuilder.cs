using Google.Protobuf;
using Onnx;

namespace PromptLeo.Inference.Models.Demo;

/// <summary>Small helper over OnnxSharp's protobuf types for writing tiny ONNX graphs (opset 17).</summary>
internal sealed class OnnxGraphBuilder(string graphName, int seed)
{
    private readonly GraphProto graph = new() { Name = graphName };
    private readonly Random random = new(seed);
    private int counter;

    public const int Float = (int)TensorProto.Types.DataType.Float;
    public const int Int32 = (int)TensorProto.Types.DataType.Int32;
    public const int Int64 = (int)TensorProto.Types.DataType.Int64;

    /// <summary>Dims are ints (fixed) or strings (symbolic, such as "batch").</summary>
    public void Input(string name, int elementType, params object[] dims) => graph.Input.Add(ValueInfo(name, elementType, dims));

    public void Output(string name, int elementType, params object[] dims) => graph.Output.Add(ValueInfo(name, elementType, dims));

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

    public string FloatConstant(string name, float[] data, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan())) };
        tensor.Dims.AddRange(dims);
        graph.Initializer.Add(tensor);
        return name;
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

    public void Save(string path)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "PromptLeo.TinyModelWriter",
            ProducerVersion = "1",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        model.WriteTo(stream);
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
