using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PromptLeo.Inference.Diffusion;

/// <summary>One encoder call's result: the chosen hidden state [n,77,C] and, when asked for, the pooled output [n,P].</summary>
internal sealed record TextEncoding(float[] Hidden, int HiddenSize, float[]? Pooled = null, int PooledSize = 0);

/// <summary>
/// CLIP text encoder: <c>input_ids</c> [n,77] (int32 or int64, read from metadata) to a hidden state [n,77,C]
/// (<c>last_hidden_state</c> for SD 1.x/2.x, the penultimate <c>hidden_states.N</c> for SDXL) and optionally a
/// pooled output (SDXL's <c>text_embeds</c> from CLIPTextModelWithProjection).
/// </summary>
internal sealed class TextEncoder : IDisposable
{
    public const string InputName = "input_ids";
    public const string OutputName = "last_hidden_state";
    public const string HiddenStatesPrefix = "hidden_states.";
    public const string ProjectedPooledName = "text_embeds";

    private readonly InferenceSession session;
    private readonly TensorElementType idType;
    private readonly string[] outputNames;

    public TextEncoder(InferenceSession session, string hiddenOutput = OutputName, string? pooledOutput = null)
    {
        this.session = session;
        idType = session.InputMetadata[InputName].ElementDataType;
        if (idType is not (TensorElementType.Int32 or TensorElementType.Int64))
        {
            throw new Models.ModelLoadException($"input '{InputName}' has element type {idType}; int32 or int64 was expected.");
        }

        HiddenOutput = hiddenOutput;
        PooledOutput = pooledOutput;
        outputNames = pooledOutput is null ? [hiddenOutput] : [hiddenOutput, pooledOutput];
    }

    public InferenceSession Session => session;

    /// <summary>The output read as the hidden state.</summary>
    public string HiddenOutput { get; }

    /// <summary>The output read as the pooled embedding, or null.</summary>
    public string? PooledOutput { get; }

    /// <summary>Width of the hidden state when the export fixes it, else null.</summary>
    public int? HiddenSize => FixedLastDimension(session.OutputMetadata[HiddenOutput], 3);

    /// <summary>Width of the pooled output when the export fixes it, else null.</summary>
    public int? PooledSize => PooledOutput is null ? null : FixedLastDimension(session.OutputMetadata[PooledOutput], 2);

    /// <summary>
    /// The penultimate layer's output: optimum exports <c>hidden_states.0</c> (embeddings) to <c>hidden_states.L</c>
    /// (last layer, before the final layer norm) for an L-layer encoder, so transformers' <c>hidden_states[-2]</c> is
    /// <c>hidden_states.{L-1}</c>.
    /// </summary>
    public static string PenultimateHiddenState(IEnumerable<string> outputNames, string file)
    {
        var indices = outputNames
            .Where(n => n.StartsWith(HiddenStatesPrefix, StringComparison.Ordinal))
            .Select(n => int.TryParse(n.AsSpan(HiddenStatesPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1)
            .Where(i => i >= 0)
            .ToList();
        if (indices.Count < 2)
        {
            throw new Models.ModelLoadException($"{file}: outputs 'hidden_states.N' missing (has: {string.Join(", ", outputNames)}); export it with output_hidden_states.");
        }

        return HiddenStatesPrefix + (indices.Max() - 1).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Encodes the rows at once; returns [rows,77,C] flattened with C, plus the pooled output when configured.</summary>
    public TextEncoding Encode(IReadOnlyList<int[]> rows, RunOptions runOptions)
    {
        var length = ClipTokenizer.SequenceLength;
        long[] shape = [rows.Count, length];
        using var input = idType == TensorElementType.Int64
            ? OrtValue.CreateTensorValueFromMemory(rows.SelectMany(r => r.Select(id => (long)id)).ToArray(), shape)
            : OrtValue.CreateTensorValueFromMemory(rows.SelectMany(r => r).ToArray(), shape);
        using var outputs = session.Run(runOptions, [InputName], [input], outputNames);
        var hidden = outputs[0];
        var hiddenSize = (int)hidden.GetTensorTypeAndShape().Shape[2];
        if (PooledOutput is null)
        {
            return new TextEncoding(OnnxTensorTypes.ReadFloats(hidden), hiddenSize);
        }

        var pooledShape = outputs[1].GetTensorTypeAndShape().Shape;
        return new TextEncoding(OnnxTensorTypes.ReadFloats(hidden), hiddenSize, OnnxTensorTypes.ReadFloats(outputs[1]), (int)pooledShape[^1]);
    }

    private static int? FixedLastDimension(NodeMetadata metadata, int rank) =>
        metadata.Dimensions.Length == rank && metadata.Dimensions[^1] > 0 ? metadata.Dimensions[^1] : null;

    public void Dispose() => session.Dispose();
}

/// <summary>Token rows of a request for the text encoders, with the truncation warnings the user sees.</summary>
internal static class PromptTokens
{
    /// <summary>[negative, prompt] with guidance, else [prompt]; a warning (once) when a prompt was cut to 77 tokens.</summary>
    public static List<int[]> Rows(ClipTokenizer tokenizer, ImageRequest request, bool guided, List<string> warnings)
    {
        var rows = new List<int[]>(2);
        if (guided)
        {
            rows.Add(Encode(tokenizer, request.NegativePrompt, "negative prompt", warnings));
        }

        rows.Add(Encode(tokenizer, request.Prompt, "prompt", warnings));
        return rows;
    }

    private static int[] Encode(ClipTokenizer tokenizer, string text, string what, List<string> warnings)
    {
        var tokens = tokenizer.Encode(text);
        var warning = $"The {what} is longer than {ClipTokenizer.SequenceLength - 2} tokens and was truncated.";
        if (tokens.Truncated && !warnings.Contains(warning))
        {
            warnings.Add(warning);
        }

        return tokens.Ids;
    }
}
