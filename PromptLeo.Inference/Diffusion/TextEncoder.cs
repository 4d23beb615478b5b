using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PromptLeo.Inference.Diffusion;

/// <summary>CLIP text encoder: <c>input_ids</c> [n,77] (int32 or int64, read from metadata) to <c>last_hidden_state</c> [n,77,C].</summary>
internal sealed class TextEncoder(InferenceSession session) : IDisposable
{
    public const string InputName = "input_ids";
    public const string OutputName = "last_hidden_state";

    private readonly TensorElementType idType = session.InputMetadata[InputName].ElementDataType;

    public InferenceSession Session => session;

    /// <summary>Encodes the rows at once; returns [rows,77,C] flattened and C.</summary>
    public (float[] Hidden, int HiddenSize) Encode(IReadOnlyList<int[]> rows, RunOptions runOptions)
    {
        var length = ClipTokenizer.SequenceLength;
        long[] shape = [rows.Count, length];
        using var input = idType == TensorElementType.Int64
            ? OrtValue.CreateTensorValueFromMemory(rows.SelectMany(r => r.Select(id => (long)id)).ToArray(), shape)
            : OrtValue.CreateTensorValueFromMemory(rows.SelectMany(r => r).ToArray(), shape);
        using var outputs = session.Run(runOptions, [InputName], [input], [OutputName]);
        var output = outputs[0];
        var hiddenSize = (int)output.GetTensorTypeAndShape().Shape[2];
        return (OnnxTensorTypes.ReadFloats(output), hiddenSize);
    }

    public void Dispose() => session.Dispose();
}
