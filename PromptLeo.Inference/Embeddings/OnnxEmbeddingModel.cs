using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Embeddings;

/// <summary>
/// A BERT-style sentence-embedding model exported to ONNX (sentence-transformers' MiniLM, E5 or BGE exports): WordPiece
/// <c>vocab.txt</c>, <c>model.onnx</c> with <c>input_ids</c>, <c>attention_mask</c> (and optionally <c>token_type_ids</c>)
/// in and <c>last_hidden_state</c> out, pooled here (mean by default, or CLS).
/// </summary>
internal sealed class OnnxEmbeddingModel : IEmbeddingModel
{
    public const string ModelFileName = "model.onnx";
    public const string VocabularyFileName = "vocab.txt";
    private const string HiddenOutput = "last_hidden_state";
    private const string TokenTypeInput = "token_type_ids";

    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly bool _clsPooling;
    private readonly string[] _inputNames;

    private OnnxEmbeddingModel(ModelManifest manifest, InferenceSession session, BertTokenizer tokenizer, bool clsPooling, EmbeddingModelInfo info, DeviceStatus device, long residentBytes)
    {
        Manifest = manifest;
        _session = session;
        _tokenizer = tokenizer;
        _clsPooling = clsPooling;
        _inputNames = session.InputMetadata.ContainsKey(TokenTypeInput) ? ["input_ids", "attention_mask", TokenTypeInput] : ["input_ids", "attention_mask"];
        Info = info;
        Device = device;
        ResidentBytes = residentBytes;
    }

    public ModelManifest Manifest { get; }
    public EmbeddingModelInfo Info { get; }
    public DeviceStatus Device { get; }
    public long ResidentBytes { get; }

    /// <summary>Opens the session and the vocabulary; throws <see cref="ModelLoadException"/> when the export does not fit.</summary>
    public static OnnxEmbeddingModel Load(ModelManifest manifest, string modelDirectory, DeviceSelection selection, int maxTokens)
    {
        var vocabulary = Path.Combine(modelDirectory, VocabularyFileName);
        if (!File.Exists(vocabulary))
            throw new ModelLoadException($"{VocabularyFileName} (the WordPiece vocabulary) is missing next to {ModelFileName}.");
        var pooling = manifest.Settings.TryGetValue(EmbeddingSettings.Pooling, out var named) ? named.ToLowerInvariant() : "mean";
        if (pooling is not ("mean" or "cls"))
            throw new ModelLoadException($"setting '{EmbeddingSettings.Pooling}' is '{named}'; an ONNX embedding model pools with mean or cls.");
        var session = OnnxModelFile.Open(modelDirectory, ModelFileName, selection.Options, ["input_ids", "attention_mask"], [HiddenOutput]);
        try
        {
            var width = session.OutputMetadata[HiddenOutput].Dimensions is [_, _, > 0 and var d] ? d
                : throw new ModelLoadException($"{ModelFileName}: output '{HiddenOutput}' must be [batch, tokens, width] with a fixed width.");
            var lowerCase = !manifest.Settings.TryGetValue("lowerCase", out var lower) || !bool.TryParse(lower, out var isLower) || isLower;
            var tokenizer = BertTokenizer.Create(vocabulary, new BertOptions { LowerCaseBeforeTokenization = lowerCase });
            var contextLength = manifest.ContextLength > 0 ? manifest.ContextLength : 512;
            var matryoshka = manifest.Settings.TryGetValue(EmbeddingSettings.Matryoshka, out var m) && bool.TryParse(m, out var isMatryoshka) && isMatryoshka;
            var bytes = new FileInfo(Path.Combine(modelDirectory, ModelFileName)).Length;
            return new OnnxEmbeddingModel(manifest, session, tokenizer, pooling == "cls", new EmbeddingModelInfo(width, Math.Min(contextLength, maxTokens), matryoshka), selection.Status, bytes);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    // [CLS] text [SEP], as sentence-transformers feeds it.
    public int CountTokens(string text) => Encode(text).Count;

    private IReadOnlyList<int> Encode(string text) => _tokenizer.EncodeToIds(text, addSpecialTokens: true, considerPreTokenization: true, considerNormalization: true);

    public Task<(float[] Vector, int Tokens)> EmbedAsync(string text, CancellationToken cancellationToken) => Task.Run(() =>
    {
        var ids = Encode(text);
        long[] shape = [1, ids.Count];
        using var inputIds = OrtValue.CreateTensorValueFromMemory(ids.Select(id => (long)id).ToArray(), shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, ids.Count).ToArray(), shape);
        using var types = OrtValue.CreateTensorValueFromMemory(new long[ids.Count], shape);
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        using var outputs = _session.Run(runOptions, _inputNames, _inputNames.Length == 3 ? [inputIds, mask, types] : [inputIds, mask], [HiddenOutput]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        var width = Info.Dimensions;
        var pooled = new float[width];
        if (_clsPooling)
        {
            hidden[..width].CopyTo(pooled);
        }
        else
        {
            // Every token is real (no padding in a batch of one), so the mean is over all of them.
            for (var t = 0; t < ids.Count; t++)
                System.Numerics.Tensors.TensorPrimitives.Add(pooled, hidden.Slice(t * width, width), pooled);
            System.Numerics.Tensors.TensorPrimitives.Divide(pooled, ids.Count, pooled);
        }
        return (pooled, ids.Count);
    }, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _session.Dispose();
        return ValueTask.CompletedTask;
    }
}
