using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PromptLeo.Inference.Diffusion.Flux;

/// <summary>
/// One of FLUX's text encoders: <c>input_ids</c> [n,seq] (int32 or int64, read from the session) to one named
/// output, <c>pooler_output</c> [n,768] of CLIP-L or <c>last_hidden_state</c> [n,seq,4096] of the T5-XXL encoder.
/// </summary>
internal sealed class FluxTextEncoder(InferenceSession session, string outputName) : IDisposable
{
    public const string InputName = "input_ids";
    public const string PooledOutputName = "pooler_output";
    public const string HiddenStatesOutputName = "last_hidden_state";

    private readonly TensorElementType idType = session.InputMetadata[InputName].ElementDataType;

    /// <summary>The sequence length the export fixes, or null when the dimension is symbolic.</summary>
    public int? FixedSequenceLength { get; } = session.InputMetadata[InputName].Dimensions is [_, > 0 and var length] ? length : null;

    /// <summary>Encodes <paramref name="rows"/> sequences of equal length at once; returns the output flattened and its last dimension.</summary>
    public (float[] Values, int Width) Encode(long[] ids, int rows, RunOptions runOptions)
    {
        long[] shape = [rows, ids.Length / rows];
        using var input = idType == TensorElementType.Int64
            ? OrtValue.CreateTensorValueFromMemory(ids, shape)
            : OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(ids, id => (int)id), shape);
        using var outputs = session.Run(runOptions, [InputName], [input], [outputName]);
        var output = outputs[0];
        return (OnnxTensorTypes.ReadFloats(output), (int)output.GetTensorTypeAndShape().Shape[^1]);
    }

    public void Dispose() => session.Dispose();
}
